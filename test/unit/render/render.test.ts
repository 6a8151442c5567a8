import { describe, expect, it } from 'vitest';
import { AggregateAgentError, ManifestError } from '../../../src/core/errors.ts';
import { DEFAULT_RENDER_LIMITS, selectFiles } from '../../../src/render/render.ts';
import { configMap, failures, file, run } from './helpers.ts';

describe('render selection and order', () => {
  it('reads every YAML and JSON file in byte order of path, then document order, ignoring other files', async () => {
    const manifests = await run({
      'b.yaml': configMap('b'),
      'a/z.yml': configMap('az'),
      'B.json': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "B"}}',
      'a.yaml': `${configMap('a1')}---\n${configMap('a2')}`,
      'README.md': 'apiVersion: v1\n',
      'a.yaml.bak': configMap('bak'),
      'script.sh': 'echo hi\n',
    });
    expect(manifests.map((m) => [m.object.metadata.name, m.source])).toEqual([
      ['B', { file: 'B.json', document: 0, line: 1 }],
      ['a1', { file: 'a.yaml', document: 0, line: 1 }],
      ['a2', { file: 'a.yaml', document: 1, line: 6 }],
      ['az', { file: 'a/z.yml', document: 0, line: 1 }],
      ['b', { file: 'b.yaml', document: 0, line: 1 }],
    ]);
  });

  it.each([
    ['', ['apps/a.yaml', 'apps/sub/b.yaml', 'apps2/c.yaml', 'root.yaml']],
    ['.', ['apps/a.yaml', 'apps/sub/b.yaml', 'apps2/c.yaml', 'root.yaml']],
    ['apps', ['apps/a.yaml', 'apps/sub/b.yaml']],
    ['./apps/', ['apps/a.yaml', 'apps/sub/b.yaml']],
    ['apps/sub', ['apps/sub/b.yaml']],
    ['root.yaml', ['root.yaml']],
    ['missing', []],
    // Hidden entries below the path are skipped; a path that names one on purpose is honoured.
    ['.github', ['.github/workflows/ci.yml']],
  ])('selects the files under path %j', (path, expected) => {
    const files = [
      'root.yaml',
      'apps2/c.yaml',
      'apps/sub/b.yaml',
      'apps/a.yaml',
      'apps/notes.txt',
      '.github/workflows/ci.yml',
      'apps/.hidden/x.yaml',
      'apps/.pre-commit-config.yaml',
    ].map((p) => file(p, ''));
    expect(selectFiles(files, path).map((f) => f.path)).toEqual(expected);
  });

  it('returns no manifests for a path without manifest files', async () => {
    expect(await run({ 'docs/a.md': '# hi\n' }, { path: 'docs' })).toEqual([]);
  });

  it('flattens a List into its items, each at its own line', async () => {
    const list =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n' +
      '- {apiVersion: v1, kind: Secret, metadata: {name: two}}\n';
    const manifests = await run({ 'list.yaml': `${configMap('first')}---\n${list}` });
    expect(manifests.map((m) => [m.object.kind, m.object.metadata.name, m.source])).toEqual([
      ['ConfigMap', 'first', { file: 'list.yaml', document: 0, line: 1 }],
      ['ConfigMap', 'one', { file: 'list.yaml', document: 1, line: 9 }],
      ['Secret', 'two', { file: 'list.yaml', document: 1, line: 12 }],
    ]);
  });

  it('gives the items of a typed list the list apiVersion and item kind when they name neither', async () => {
    const manifests = await run({
      'deploys.yaml':
        'apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: web}\n  spec: {}\n',
    });
    expect(manifests.map((m) => m.object)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' }, spec: {} },
    ]);
  });

  it('reads values with the YAML 1.1 rules kubectl uses, keeping quoted strings', async () => {
    const [manifest] = await run({
      'cm.yaml': configMap(
        'cm',
        'data:\n  quoted: "0644"\n  flag: \'yes\'\nspec:\n  mode: 0644\n  enabled: yes\n  off: n\n',
      ),
    });
    expect(manifest?.object).toMatchObject({
      data: { quoted: '0644', flag: 'yes' },
      spec: { mode: 420, enabled: true, false: false },
    });
  });
});

describe('render errors', () => {
  it('collects every problem of every file into one AggregateAgentError, in file order', async () => {
    const error: unknown = await run({
      'z.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z, namespace: apps}\n',
      'a.yaml': `${configMap('good')}---\nkey: [unclosed\n---\n${configMap('z')}`,
      'm.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, namespace: apps}\n---\nkind: Thing\n',
      'tags.yaml': 'a: !Ref x\n---\na: 1\na: 2\n',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateAgentError);
    const aggregate = error as AggregateAgentError;
    expect(aggregate.stage).toBe('render');
    expect(aggregate.retryable).toBe(false);
    expect(aggregate.errors.map((e) => e.message)).toEqual([
      'a.yaml:7 (document 2): YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'm.yaml:1 (document 1): Namespace/ns is cluster-scoped but sets metadata.namespace "apps"',
      'm.yaml:5 (document 2): apiVersion is missing; metadata.name is missing',
      'tags.yaml:1 (document 1): unknown tag !Ref: only !!str, !!int, !!float, !!bool and !!null are allowed on scalars',
      'tags.yaml:4 (document 2): duplicate key "a" (first defined at line 3)',
      'z.yaml:1 (document 1): duplicate object ConfigMap/apps/z: also defined at a.yaml:8 (document 3)',
    ]);
  });

  it('throws a single problem as a ManifestError carrying its location', async () => {
    const error: unknown = await run({ 'a.yaml': `${configMap('ok')}---\nkind: ConfigMap\n` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).not.toBeInstanceOf(AggregateAgentError);
    expect((error as ManifestError).location).toEqual({ file: 'a.yaml', document: 1, line: 6 });
  });

  it('refuses a billion laughs document naming the file', async () => {
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: lol}',
      'data:',
      '  a: &a [x, x, x, x, x, x, x, x, x, x]',
    ];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ]) {
      bomb.push(`  ${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(await failures({ 'bomb.yaml': `${bomb.join('\n')}\n` })).toEqual([
      'bomb.yaml:1 (document 1): document expands to more than 100000 YAML nodes (limit maxNodesPerDocument); ' +
        'aliases that multiply content (a "billion laughs" document) are refused',
    ]);
  });

  it('caps the number of objects', async () => {
    const files = { 'a.yaml': `${configMap('a')}---\n${configMap('b')}---\n${configMap('c')}` };
    expect(await failures(files, { limits: { maxObjects: 2 } })).toEqual([
      'a.yaml:11 (document 3): more than 2 objects to render (limit maxObjects)',
    ]);
    expect(DEFAULT_RENDER_LIMITS.maxObjects).toBe(20_000);
  });
});

describe('List items', () => {
  it('names the item of a List nested in a List', async () => {
    const nested =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n' +
      '- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: two}\n';
    expect(await failures({ 'list.yaml': nested })).toEqual([
      'list.yaml:7 (document 1): item 2 of the List is itself a List; nested Lists are not read, list the objects in the outer List',
    ]);
  });

  it('names the item of a List whose item is invalid', async () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n';
    expect(await failures({ 'list.yaml': list })).toEqual([
      'list.yaml:4 (document 1): item 1 of the List: metadata.name is missing',
    ]);
  });
});
