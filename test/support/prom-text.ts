// A strict parser of the Prometheus text exposition format (version 0.0.4), so tests fail on output that a
// Prometheus server would reject or misread: https://prometheus.io/docs/instrumenting/exposition_formats/

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family: its TYPE, HELP and samples. */
export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses exposition text; throws naming the line on anything malformed. */
export function parsePromText(text: string): Map<string, PromFamily> {
  if (text.length && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>();
  const series = new Set<string>();
  const typed = new Set<string>();
  let current: PromFamily | undefined;
  const lines = text.split('\n').slice(0, -1);
  const family = (name: string, n: number): PromFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    if (current !== f) {
      if (closed.has(name)) throw new Error(`line ${n}: family ${name} is not contiguous`);
      if (current) closed.add(current.name);
      current = f;
    }
    return f;
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!)) throw new Error(`line ${n}: bad metric name "${name}"`);
      const f = family(name!, n);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${n}: unknown type "${rest}"`);
        if (f.samples.length) throw new Error(`line ${n}: TYPE of ${name} after its samples`);
        if (typed.has(name!)) throw new Error(`line ${n}: second TYPE for ${name}`);
        typed.add(name!);
        f.type = rest as PromFamily['type'];
      } else {
        if (f.help !== undefined) throw new Error(`line ${n}: second HELP for ${name}`);
        f.help = unescape(rest, n, false);
      }
      return;
    }
    const sample = parseSample(line, n);
    const f = family(familyOf(sample.name, families), n);
    checkSuffix(f, sample, n);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${n}: duplicate series ${sample.name}`);
    series.add(key);
    f.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function familyOf(sample: string, families: Map<string, PromFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || f.type === 'summary')) return base;
  }
  return sample;
}

function checkSuffix(f: PromFamily, s: PromSample, n: number): void {
  if (f.type === 'histogram') {
    if (![`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`].includes(s.name))
      throw new Error(`line ${n}: histogram ${f.name} has sample ${s.name}`);
    if (s.name.endsWith('_bucket') && s.labels.le === undefined)
      throw new Error(`line ${n}: bucket without le`);
  } else if (f.type === 'summary') {
    if (![f.name, `${f.name}_sum`, `${f.name}_count`].includes(s.name))
      throw new Error(`line ${n}: summary ${f.name} has sample ${s.name}`);
  } else if (s.name !== f.name) {
    throw new Error(`line ${n}: sample ${s.name} in family ${f.name}`);
  }
  if (f.type === 'counter' && !(s.value >= 0)) throw new Error(`line ${n}: counter ${s.name} is ${s.value}`);
}

// Buckets rise with le, never fall, and the +Inf bucket equals _count, per label set.
function checkHistogram(f: PromFamily): void {
  const groups = new Map<string, { le: number; v: number }[]>();
  const counts = new Map<string, number>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (s.name.endsWith('_bucket')) {
      const list = groups.get(key) ?? [];
      list.push({ le: le === '+Inf' ? Infinity : Number(le), v: s.value });
      groups.set(key, list);
    } else if (s.name.endsWith('_count')) counts.set(key, s.value);
  }
  for (const [key, list] of groups) {
    for (let i = 1; i < list.length; i++) {
      if (!(list[i]!.le > list[i - 1]!.le)) throw new Error(`${f.name}${key}: le not increasing`);
      if (list[i]!.v < list[i - 1]!.v) throw new Error(`${f.name}${key}: bucket counts fall`);
    }
    const inf = list.at(-1);
    if (!inf || inf.le !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (counts.get(key) !== inf.v)
      throw new Error(`${f.name}${key}: +Inf bucket ${inf.v} ≠ _count ${counts.get(key)}`);
  }
}

function parseSample(line: string, n: number): PromSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? ([^ ]+)(?: (-?\d+))?$/.exec(line);
  if (!m) throw new Error(`line ${n}: not a sample: ${line}`);
  const [, name, braces, raw] = m;
  return {
    name: name!,
    labels: braces ? parseLabels(braces.slice(1, -1), n) : {},
    value: parseValue(raw!, n),
  };
}

function parseLabels(text: string, n: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${n}: label without value`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`line ${n}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${n}: duplicate label ${name}`);
    if (text[eq + 1] !== '"') throw new Error(`line ${n}: label ${name} value not quoted`);
    let j = eq + 2;
    let raw = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') raw += text[j++];
      raw += text[j];
    }
    if (j >= text.length) throw new Error(`line ${n}: unterminated value of label ${name}`);
    labels[name] = unescape(raw, n, true);
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`line ${n}: expected , after label ${name}`);
  }
  return labels;
}

function unescape(raw: string, n: number, quotes: boolean): string {
  return raw.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new Error(`line ${n}: bad escape \\${c}`);
  });
}

function parseValue(raw: string, n: number): number {
  // Prometheus reads values with Go's strconv.ParseFloat, which takes Inf and NaN in any case.
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${n}: bad value "${raw}"`);
  return Number(raw);
}
