import { describe, expect, it } from 'vitest';
import type { ScopeLookup } from '../../../src/core/types.ts';
import { configMap, failures, run, scopeOf } from './helpers.ts';

const CRD = (scope: string, versions = ['v1']): string =>
  [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata: {name: widgets.example.com}',
    'spec:',
    '  group: example.com',
    `  scope: ${scope}`,
    '  names: {kind: Widget, plural: widgets}',
    `  versions: [${versions.map((v) => `{name: ${v}, served: true, storage: true}`).join(', ')}]`,
    '',
  ].join('\n');

describe('render validation', () => {
  it.each([
    ['kind: ConfigMap\nmetadata: {name: a}\n', 1, 'apiVersion is missing'],
    ['apiVersion: v1\nmetadata: {name: a}\n', 1, 'kind is missing'],
    ['apiVersion: v1\nkind: ConfigMap\n', 1, 'metadata.name is missing'],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: x}\n', 1, 'metadata.name is missing'],
    [
      'apiVersion: ""\nkind: 5\nmetadata: {name: ""}\n',
      1,
      'apiVersion must not be empty; kind must be a string, not the number 5 (quote the value to keep it a string); ' +
        'metadata.name must not be empty',
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: no}\n',
      1,
      'metadata.name must be a string, not the boolean false (quote the value to keep it a string)',
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}\n',
      1,
      'metadata.generateName is not supported: server-side apply needs metadata.name',
    ],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n', 1, 'metadata must be a mapping, not a sequence'],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: 5}\n',
      1,
      'metadata.namespace must be a string, not the number 5 (quote the value to keep it a string)',
    ],
    ['- a\n- b\n', 1, 'a document must be a mapping (a Kubernetes object), not a sequence'],
    ['"hello"\n', 1, 'a document must be a mapping (a Kubernetes object), not the string "hello"'],
  ])('refuses %j', async (text, line, message) => {
    expect(await failures({ 'x.yaml': `${configMap('ok')}---\n${text}` })).toEqual([
      `x.yaml:${line + 5} (document 2): ${message}`,
    ]);
  });

  it('refuses two objects with the same group, kind, namespace and name, naming both places', async () => {
    expect(
      await failures({
        'a.yaml': configMap('dup', 'data: {}\n'),
        'b.yaml': `${configMap('other')}---\n${configMap('dup', '  namespace: apps\n')}`,
      }),
    ).toEqual([
      'b.yaml:6 (document 2): duplicate object ConfigMap/apps/dup: also defined at a.yaml:1 (document 1)',
    ]);
  });

  it('keeps objects that differ only in namespace or kind', async () => {
    const manifests = await run({
      'a.yaml':
        `${configMap('same')}---\n${configMap('same', '  namespace: other\n')}---\n` +
        'apiVersion: v1\nkind: Secret\nmetadata: {name: same}\n',
    });
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.namespace}`)).toEqual([
      'ConfigMap/apps',
      'ConfigMap/other',
      'Secret/apps',
    ]);
  });
});

describe('render scope', () => {
  it('gives namespaced objects without a namespace the default one and leaves cluster-scoped ones alone', async () => {
    const manifests = await run({
      'a.yaml':
        `${configMap('mine')}---\n${configMap('theirs', '  namespace: kube-system\n')}---\n` +
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, namespace: ""}\n',
    });
    expect(manifests.map((m) => m.object.metadata)).toEqual([
      { name: 'mine', namespace: 'apps' },
      { name: 'theirs', namespace: 'kube-system' },
      { name: 'apps' },
    ]);
  });

  it('refuses a cluster-scoped object that sets a namespace', async () => {
    const text =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: apps\n';
    expect(await failures({ 'role.yaml': text })).toEqual([
      'role.yaml:1 (document 1): ClusterRole.rbac.authorization.k8s.io/reader is cluster-scoped but sets metadata.namespace "apps"',
    ]);
  });

  it('refuses a kind neither the cluster nor the commit defines', async () => {
    expect(
      await failures({ 'w.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' }),
    ).toEqual([
      'w.yaml:1 (document 1): no API resource for apiVersion example.com/v1 kind Widget in the cluster or in this commit',
    ]);
  });

  it.each([
    ['Namespaced', { name: 'w', namespace: 'apps' }],
    ['Cluster', { name: 'w' }],
  ])('takes the scope of an unknown kind from a CRD in the same commit (%s)', async (scope, metadata) => {
    const manifests = await run({
      'crd.yaml': CRD(scope, ['v1alpha1', 'v1']),
      'w.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
    });
    expect(manifests.map((m) => m.object.metadata)).toEqual([{ name: 'widgets.example.com' }, metadata]);
  });

  it('does not take the scope from a CRD that lacks the version', async () => {
    expect(
      await failures({
        'crd.yaml': CRD('Namespaced', ['v1beta1']),
        'w.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
      }),
    ).toEqual([
      'w.yaml:1 (document 1): no API resource for apiVersion example.com/v1 kind Widget in the cluster or in this commit',
    ]);
  });

  it('asks the cluster once per apiVersion and kind', async () => {
    const asked: string[] = [];
    const counting: ScopeLookup = async (apiVersion, kind) => {
      asked.push(`${apiVersion} ${kind}`);
      return scopeOf(apiVersion, kind);
    };
    await run(
      { 'a.yaml': `${configMap('a')}---\n${configMap('b')}---\n${configMap('c')}` },
      { scopeOf: counting },
    );
    expect(asked).toEqual(['v1 ConfigMap']);
  });

  it('lets a failing scope lookup through unchanged, as it is not a manifest problem', async () => {
    const boom = new Error('discovery unavailable');
    const failing: ScopeLookup = async () => Promise.reject(boom);
    await expect(run({ 'a.yaml': configMap('a') }, { scopeOf: failing })).rejects.toBe(boom);
  });
});

describe('fields the API server rewrites on write', () => {
  it('merges a Secret’s stringData into data, base64-encoded, stringData winning', async () => {
    const [m] = await run({
      's.yaml':
        'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {kept: a2VwdA==, both: b2xk}\nstringData: {both: new, plain: "h3ll0 wörld"}\n',
    });
    expect(m?.object.stringData).toBeUndefined();
    expect(m?.object.data).toEqual({
      kept: 'a2VwdA==',
      both: Buffer.from('new').toString('base64'),
      plain: Buffer.from('h3ll0 wörld').toString('base64'),
    });
  });
});
