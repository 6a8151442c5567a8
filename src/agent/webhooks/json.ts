// Reading fields of untrusted JSON payloads without casts: each helper returns undefined for a missing or
// mistyped field, so a provider's parser reads like the host's documented payload.

/** The value at `path` below `value`, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** The string at `path`, or undefined. */
export function str(value: unknown, ...path: (string | number)[]): string | undefined {
  const v = at(value, ...path);
  return typeof v === 'string' ? v : undefined;
}

/** The number at `path`, or undefined. */
export function num(value: unknown, ...path: (string | number)[]): number | undefined {
  const v = at(value, ...path);
  return typeof v === 'number' ? v : undefined;
}

/** The array at `path`, or an empty one. */
export function list(value: unknown, ...path: (string | number)[]): unknown[] {
  const v = at(value, ...path);
  return Array.isArray(v) ? v : [];
}

/** The strings among `values`, without duplicates. */
export function strings(...values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** The body parsed as JSON; throws a SyntaxError naming the problem. */
export function parseJson(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

/** One header's value (the first, if repeated), or undefined. */
export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
