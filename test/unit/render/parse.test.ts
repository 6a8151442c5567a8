import { describe, expect, it } from 'vitest';
import { parse, parseErrors } from './helpers.ts';

const valueOf = (text: string): unknown => {
  const parsed = parse(text);
  expect(parsed.errors.map((e) => e.message)).toEqual([]);
  return parsed.documents[0]?.value;
};

describe('parseFile documents', () => {
  it('reads every document with its index and the line of its top node, skipping empty and null ones', () => {
    const parsed = parse('a: 1\n---\n---\n# only a comment\n---\n~\n---\nnull\n---\n\nb: 2\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.documents.map(({ index, line, value }) => ({ index, line, value }))).toEqual([
      { index: 0, line: 1, value: { a: 1 } },
      { index: 5, line: 11, value: { b: 2 } },
    ]);
  });

  it('keeps a document that is not a mapping for validation to refuse', () => {
    expect(parse('- a\n- b\n').documents[0]?.value).toEqual(['a', 'b']);
  });

  it('records the line of each element of a top-level items sequence', () => {
    const parsed = parse('kind: List\nitems:\n- a: 1\n  b: 2\n-   c: 3\n- {d: 4}\n');
    expect(parsed.documents[0]?.itemLines).toEqual([3, 5, 6]);
  });

  it('reads a JSON file, tabs included', () => {
    const parsed = parse(
      '{\n\t"apiVersion": "v1",\n\t"data": {"port": 8080, "on": "yes"}\n}\n',
      {},
      'f.json',
    );
    expect(parsed.documents[0]?.value).toEqual({ apiVersion: 'v1', data: { port: 8080, on: 'yes' } });
  });
});

describe('parseFile scalars', () => {
  it('applies the YAML 1.1 rules kubectl applies to plain scalars', () => {
    expect(
      valueOf('mode: 0644\nhex: 0x1F\nbig: 1_000\nflag: yes\noff: Off\nnone: ~\nempty:\nratio: .5\n'),
    ).toEqual({
      mode: 420,
      hex: 31,
      big: 1000,
      flag: true,
      false: false,
      none: null,
      empty: null,
      ratio: 0.5,
    });
  });

  it('keeps quoted, block and !!str or ! tagged scalars as strings', () => {
    const text = 'a: "0644"\nb: \'yes\'\nc: |\n  yes\nd: >-\n  0644\ne: !!str 0644\nf: ! yes\ng: "~"\n';
    expect(valueOf(text)).toEqual({
      a: '0644',
      b: 'yes',
      c: 'yes\n',
      d: '0644',
      e: '0644',
      f: 'yes',
      g: '~',
    });
  });

  it('resolves explicitly tagged scalars and refuses a mismatch', () => {
    expect(valueOf('a: !!int "8080"\nb: !!float 1\nc: !!bool "on"\nd: !!null ""\n')).toEqual({
      a: 8080,
      b: 1,
      c: true,
      d: null,
    });
    expect(parseErrors('a: 1\nb: !!int abc\n')).toEqual([
      'f.yaml:2 (document 1): cannot decode !!str `abc` as a !!int',
    ]);
  });

  it('converts non-string keys the way sigs.k8s.io/yaml does', () => {
    expect(valueOf('yes: a\nn: b\n0644: c\n1.0: d\n"0644": e\n')).toEqual({
      true: 'a',
      false: 'b',
      420: 'c',
      1: 'd',
      '0644': 'e',
    });
  });

  it('refuses null and collection keys', () => {
    expect(parseErrors('a: 1\n~: x\n')).toEqual([
      'f.yaml:2 (document 1): unsupported map key "~": a map key cannot be null',
    ]);
    expect(parseErrors('a: 1\n? [x]\n: y\n')).toEqual([
      'f.yaml:2 (document 1): unsupported map key: a mapping or sequence cannot be a key',
    ]);
  });

  it('refuses values JSON cannot hold', () => {
    expect(parseErrors('a: 1\nb: .inf\n')).toEqual([
      'f.yaml:2 (document 1): .inf (NaN or infinity) cannot be represented in JSON',
    ]);
  });

  it('stores a __proto__ key as a plain key', () => {
    const value = valueOf('__proto__: {polluted: true}\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseFile aliases and merge keys', () => {
  it('expands aliases into independent copies, using the last anchor of a name', () => {
    const value = valueOf('a: &x {k: 1}\nb: *x\nc: &y 1\nd: *y\ne: &y 2\nf: *y\n') as Record<string, unknown>;
    expect(value).toEqual({ a: { k: 1 }, b: { k: 1 }, c: 1, d: 1, e: 2, f: 2 });
    expect(value.a).not.toBe(value.b);
  });

  it('applies a merge key where it stands, as go-yaml v2 does', () => {
    const text =
      'base: &b {p: 1, q: 1}\nother: &o {q: 2, r: 2}\nm:\n  p: 0\n  <<: *b\n  r: 3\nseq:\n  <<: [*b, *o]\n';
    expect(valueOf(text)).toMatchObject({ m: { p: 1, q: 1, r: 3 }, seq: { p: 1, q: 1, r: 2 } });
  });

  it('refuses a merge key whose value is not a mapping', () => {
    expect(parseErrors('a: 1\nb:\n  <<: 5\n')).toEqual([
      'f.yaml:3 (document 1): a merge key << needs a mapping or a sequence of mappings',
    ]);
  });

  it('refuses an alias without anchor and an alias inside its own anchor', () => {
    expect(parseErrors('a: 1\nb: *nope\n')).toEqual([
      'f.yaml:2 (document 1): alias *nope has no anchor &nope before it',
    ]);
    expect(parseErrors('a: 1\nb: &loop [1, *loop]\n')).toEqual([
      'f.yaml:2 (document 1): alias *loop is inside the node it refers to',
    ]);
  });
});
