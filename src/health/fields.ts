// Field readers with kstatus's defaulting: a missing or mistyped field takes the fallback.

/** Whether a value is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value is a JSON integer. */
export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** The value at a dotted path such as `status.replicas`, or undefined when any step is missing or not an object. */
export function fieldAt(obj: unknown, path: string): unknown {
  let value = obj;
  for (const key of path.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** The integer at a dotted path, or the fallback when it is missing or not an integer. */
export function intField(obj: unknown, path: string, fallback: number): number {
  const value = fieldAt(obj, path);
  return isInteger(value) ? value : fallback;
}

/** The string at a dotted path, or the fallback when it is missing or not a string. */
export function stringField(obj: unknown, path: string, fallback: string): string {
  const value = fieldAt(obj, path);
  return typeof value === 'string' ? value : fallback;
}

/** The boolean at a dotted path, or the fallback when it is missing or not a boolean. */
export function boolField(obj: unknown, path: string, fallback: boolean): boolean {
  const value = fieldAt(obj, path);
  return typeof value === 'boolean' ? value : fallback;
}
