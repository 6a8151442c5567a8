// kubectl reads manifests with sigs.k8s.io/yaml, which decodes with go-yaml v2 (YAML 1.1 scalar rules) and
// then converts to JSON. This module reproduces the resolution of plain scalars in go-yaml v2's resolve.go
// (xref: kubernetes-sigs/yaml goyaml.v2/resolve.go) and the key conversion of sigs.k8s.io/yaml's yaml.go.

/** A scalar resolved the way go-yaml v2 resolves it: its YAML 1.1 type and value. */
export type Resolved =
  | { type: 'null' }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'str'; value: string };

/** The scalar tags a manifest may name explicitly (`!!int "8080"`), by their short name. */
export type ScalarTag = 'str' | 'int' | 'float' | 'bool' | 'null';

/** A JSON scalar. */
export type JsonScalar = string | number | boolean | null;

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const NULL = ['', '~', 'null', 'Null', 'NULL'];
const SPECIAL_FLOATS: [string[], number][] = [
  [['.nan', '.NaN', '.NAN'], Number.NaN],
  [['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'], Number.POSITIVE_INFINITY],
  [['-.inf', '-.Inf', '-.INF'], Number.NEGATIVE_INFINITY],
];

const EXACT = new Map<string, Resolved>([
  ...TRUE.map((s): [string, Resolved] => [s, { type: 'bool', value: true }]),
  ...FALSE.map((s): [string, Resolved] => [s, { type: 'bool', value: false }]),
  ...NULL.map((s): [string, Resolved] => [s, { type: 'null' }]),
  ...SPECIAL_FLOATS.flatMap(([names, value]) =>
    names.map((s): [string, Resolved] => [s, { type: 'float', value }]),
  ),
]);

// Go's strconv.ParseInt(s, 0, 64) syntax once underscores are gone: a sign, then 0x/0b/0o, a leading 0 (octal) or decimal.
const GO_INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Resolves an untagged plain scalar as go-yaml v2 does: `0644` → 420, `yes` → true, `~` → null, `1_000` → 1000. */
export function resolvePlain(text: string): Resolved {
  // go-yaml only tries other types when the first character hints at one.
  const hint = text === '' ? 'M' : hintOf(text.charAt(0));
  if (hint === undefined) return { type: 'str', value: text };
  const exact = EXACT.get(text);
  if (exact) return exact;
  if (hint === 'M') return { type: 'str', value: text };
  if (hint === '.') {
    const value = Number(text);
    return DOT_FLOAT.test(text) && Number.isFinite(value)
      ? { type: 'float', value }
      : { type: 'str', value: text };
  }
  return resolveNumber(text);
}

/** Resolves a scalar with an explicit tag; throws when the text is not of that type, as go-yaml does. */
export function resolveTagged(tag: ScalarTag, text: string): Resolved {
  if (tag === 'str') return { type: 'str', value: text };
  const resolved = resolvePlain(text);
  if (resolved.type === tag) return resolved;
  if (tag === 'float' && resolved.type === 'int') return { type: 'float', value: Number(resolved.value) };
  throw new Error(`cannot decode !!${resolved.type} \`${text}\` as a !!${tag}`);
}

/** The JSON value of a resolved scalar; throws for values JSON or a JavaScript number cannot hold exactly. */
export function toJsonValue(resolved: Resolved, text: string): JsonScalar {
  switch (resolved.type) {
    case 'null':
      return null;
    case 'int':
      if (
        resolved.value > BigInt(Number.MAX_SAFE_INTEGER) ||
        resolved.value < BigInt(Number.MIN_SAFE_INTEGER)
      ) {
        throw new Error(`integer ${text} is too large to be represented exactly; quote it if it is a string`);
      }
      return Number(resolved.value);
    case 'float':
      if (!Number.isFinite(resolved.value))
        throw new Error(`${text} (NaN or infinity) cannot be represented in JSON`);
      return resolved.value;
    default:
      return resolved.value;
  }
}

/** The JSON object key sigs.k8s.io/yaml makes of a resolved map key: `yes` → "true", `0644` → "420", `1.0` → "1". */
export function toMapKey(resolved: Resolved, text: string): string {
  switch (resolved.type) {
    case 'str':
      return resolved.value;
    case 'bool':
      return String(resolved.value);
    case 'int':
      // go-yaml decodes larger keys as uint64 or big.Int, which sigs.k8s.io/yaml refuses.
      if (resolved.value < INT64_MIN || resolved.value > INT64_MAX) {
        throw new Error(`unsupported map key ${text}: integer out of the int64 range`);
      }
      return resolved.value.toString();
    case 'float':
      return formatFloat32(resolved.value);
    case 'null':
      throw new Error(`unsupported map key ${JSON.stringify(text)}: a map key cannot be null`);
  }
}

function hintOf(first: string): 'S' | 'D' | 'M' | '.' | undefined {
  if (first === '+' || first === '-') return 'S';
  if (first >= '0' && first <= '9') return 'D';
  if ('yYnNtTfFoO~'.includes(first)) return 'M';
  return first === '.' ? '.' : undefined;
}

function resolveNumber(text: string): Resolved {
  const plain = text.replaceAll('_', '');
  const match = GO_INT.exec(plain);
  const sign = match?.[1] ?? '';
  const int = match?.[2] === undefined ? undefined : parseGoInt(sign, match[2]);
  if (int !== undefined) {
    if (int >= INT64_MIN && int <= INT64_MAX) return { type: 'int', value: int };
    // strconv.ParseUint takes no sign, so only unsigned text reaches the uint64 range.
    if (sign === '' && int <= UINT64_MAX) return { type: 'int', value: int };
  }
  if (YAML_FLOAT.test(plain)) {
    const value = Number(plain);
    if (Number.isFinite(value)) return { type: 'float', value };
  }
  // Unsigned text past uint64 that is not float-shaped (e.g. long hex) becomes a big.Int in the fork.
  if (int !== undefined && sign === '') return { type: 'int', value: int };
  return { type: 'str', value: text };
}

function parseGoInt(sign: string, digits: string): bigint {
  const lower = digits.toLowerCase();
  const magnitude = /^0[xbo]/.test(lower)
    ? BigInt(lower)
    : lower.length > 1 && lower.startsWith('0')
      ? BigInt(`0o${lower.slice(1)}`)
      : BigInt(lower);
  return sign === '-' ? -magnitude : magnitude;
}

// strconv.FormatFloat(f, 'g', -1, 32): shortest digits that identify the float32, exponent form outside 1e-4..1e6.
function formatFloat32(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return '.nan';
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let precision = 1;
  while (precision < 9 && Math.fround(Number(f.toPrecision(precision))) !== f) precision++;
  const [mantissa = '', exponentText = '0'] = f.toExponential(precision - 1).split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = f < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 6) {
    const head = digits.length > 1 ? `${digits.charAt(0)}.${digits.slice(1)}` : digits;
    const tail = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${head}e${exponent < 0 ? '-' : '+'}${tail}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
