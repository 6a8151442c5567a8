import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDER_LIMITS } from '../../../src/render/limits.ts';
import { parseFile } from '../../../src/render/parse.ts';
import { file, parse, parseErrors } from './helpers.ts';

describe('parseFile refuses unsafe input', () => {
  const laughs = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
    'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
    '',
  ].join('\n');

  it('refuses a billion laughs document before materialising it', () => {
    expect(parseErrors(`x: 1\n---\n${laughs}`)).toEqual([
      'f.yaml:3 (document 2): document expands to more than 100000 YAML nodes (limit maxNodesPerDocument); ' +
        'aliases that multiply content (a "billion laughs" document) are refused',
    ]);
  });

  it('caps alias uses at maxAliasCount even when the expansion stays small', () => {
    const uses = Array.from({ length: 101 }, (_, i) => `k${i}: *v`).join('\n');
    expect(parseErrors(`v: &v 1\n${uses}\n`)).toEqual([
      'f.yaml:1 (document 1): document expands to 101 alias uses, more than 100 (limit maxAliasCount)',
    ]);
    expect(parseErrors('v: &v 1\nw: *v\n', { maxAliasCount: 0 })).toEqual([
      'f.yaml:1 (document 1): document expands to 1 alias uses, more than 0 (limit maxAliasCount)',
    ]);
  });

  it.each([
    [
      'a: 1\nb: !Ref foo\n',
      2,
      'unknown tag !Ref: only !!str, !!int, !!float, !!bool and !!null are allowed on scalars',
    ],
    [
      'a: 1\nb: !!js/function "function () {}"\n',
      2,
      'unknown tag !!js/function: only !!str, !!int, !!float, !!bool and !!null are allowed on scalars',
    ],
    [
      'a: 1\nb: !!binary aGk=\n',
      2,
      'unknown tag !!binary: only !!str, !!int, !!float, !!bool and !!null are allowed on scalars',
    ],
    ['a: 1\nb: !Thing {c: 1}\n', 2, 'unknown tag !Thing: only !!map is allowed on a mapping'],
    ['a: 1\nb: !!map [1]\n', 2, 'unknown tag !!map: only !!seq is allowed on a sequence'],
  ])('refuses an unknown tag in %j', (text, line, message) => {
    expect(parseErrors(text)).toEqual([`f.yaml:${line} (document 1): ${message}`]);
  });

  it.each([
    ['a: 1\nb: 2\na: 3\n', 3, 'duplicate key "a" (first defined at line 1)'],
    ['spec:\n  x: 1\n  y: 2\n  x: 1\n', 4, 'duplicate key "x" (first defined at line 2)'],
    ['yes: 1\ntrue: 2\n', 2, 'duplicate key "true" (first defined at line 1)'],
    ['{"a": 1,\n "a": 2}\n', 2, 'duplicate key "a" (first defined at line 1)'],
  ])('refuses a duplicate key in %j', (text, line, message) => {
    expect(parseErrors(text)).toEqual([`f.yaml:${line} (document 1): ${message}`]);
  });

  it('names the file and line of a syntax error and still reads the documents around it', () => {
    const parsed = parse('a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n', {}, 'dir/bad.yaml');
    expect(parsed.errors.map((e) => e.message)).toEqual([
      'dir/bad.yaml:4 (document 2): YAML syntax error: ' +
        'Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(parsed.errors[0]?.location).toEqual({ file: 'dir/bad.yaml', document: 1, line: 4 });
    expect(parsed.documents.map((d) => d.value)).toEqual([{ a: 1 }, { d: 4 }]);
  });

  it('refuses a directive the parser warns about', () => {
    expect(parseErrors('%YAML 1.3\n---\na: 1\n')).toEqual([
      'f.yaml:1 (document 1): YAML problem: Unsupported YAML version 1.3',
    ]);
  });

  it('caps the nesting depth', () => {
    expect(parseErrors('a:\n  b:\n    c:\n      d: 1\n', { maxDepth: 2 })).toEqual([
      'f.yaml:3 (document 1): nesting is deeper than 2 levels (limit maxDepth)',
    ]);
  });

  it('caps the number of documents in a file', () => {
    expect(parseErrors('a: 1\n---\nb: 2\n---\nc: 3\n', { maxDocumentsPerFile: 2 })).toEqual([
      'f.yaml:5 (document 3): has 3 YAML documents, more than 2 (limit maxDocumentsPerFile)',
    ]);
  });

  it('refuses a file that is not UTF-8', () => {
    const parsed = parseFile(
      { path: 'bin.yaml', content: new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0xfe]) },
      DEFAULT_RENDER_LIMITS,
      { remaining: DEFAULT_RENDER_LIMITS.maxNodesTotal },
    );
    expect(parsed.errors.map((e) => e.message)).toEqual(['bin.yaml: is not valid UTF-8']);
  });

  it('draws every document from the node budget of the whole render and stops when it runs out', () => {
    const limits = { ...DEFAULT_RENDER_LIMITS, maxNodesTotal: 12 };
    const text = 'a: [1, 2]\n---\nb: [1, 2]\n---\nc: [1, 2]\n';
    const parsed = parseFile(file('f.yaml', text), limits, { remaining: 12 });
    expect(parsed.documents.map((d) => d.value)).toEqual([{ a: [1, 2] }, { b: [1, 2] }]);
    expect(parsed.errors.map((e) => e.message)).toEqual([
      'f.yaml:5 (document 3): the render expands to more than 12 YAML nodes (limit maxNodesTotal)',
    ]);
    expect(parsed.exhausted).toBe(true);
  });

  it('caps the nesting depth at the default maxDepth of 200', () => {
    const nested = (levels: number) =>
      Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(parseErrors(nested(200))).toEqual([]);
    expect(parseErrors(nested(201))).toEqual([
      'f.yaml:201 (document 1): nesting is deeper than 200 levels (limit maxDepth)',
    ]);
  });

  it('reports nesting too deep for the parser as the depth limit', () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    expect(
      parseErrors(`a: 1
---
${deep}
`),
    ).toEqual(['f.yaml:3 (document 2): nesting is deeper than 200 levels (limit maxDepth)']);
  });
});

describe('nesting too deep for the parser itself', () => {
  it.each([
    ['flow sequences', `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    [
      'block mappings',
      `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}b:`).join('\n')} 1\n`,
    ],
  ])('%s nested thousands deep get the depth error, not a stack overflow', (_what, text) => {
    const errors = parseErrors(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^f\.yaml:\d+ \(document 1\): nesting is deeper than 200 levels \(limit maxDepth\)$/,
    );
  });
});
