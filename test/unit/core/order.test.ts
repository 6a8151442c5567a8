import { describe, expect, it } from 'vitest';
import { compareApplyOrder, stageOf } from '../../../src/core/order.ts';
import type { ObjectRef } from '../../../src/core/types.ts';

const ref = (kind: string, namespace = '', name = 'x', group = ''): ObjectRef => ({
  group,
  kind,
  namespace,
  name,
});

describe('stageOf', () => {
  it.each([
    [ref('Namespace'), 'definitions'],
    [ref('CustomResourceDefinition', '', 'w', 'apiextensions.k8s.io'), 'definitions'],
    [ref('ClusterRole', '', 'r', 'rbac.authorization.k8s.io'), 'cluster'],
    [ref('Widget', '', 'w', 'example.com'), 'cluster'],
    [ref('ConfigMap', 'ns'), 'namespaced'],
    [ref('Namespace', '', 'x', 'example.com'), 'cluster'],
  ])('%j is in stage %s', (r, stage) => {
    expect(stageOf(r)).toBe(stage);
  });
});

describe('apply order', () => {
  const refs = [
    ref('Deployment', 'b', 'web', 'apps'),
    ref('Widget', 'a', 'w', 'example.com'),
    ref('ConfigMap', 'b', 'z'),
    ref('ConfigMap', 'a', 'z'),
    ref('ClusterRole', '', 'r', 'rbac.authorization.k8s.io'),
    ref('CustomResourceDefinition', '', 'widgets.example.com', 'apiextensions.k8s.io'),
    ref('Namespace', '', 'b'),
    ref('Namespace', '', 'a'),
    ref('Secret', 'a', 's'),
    ref('ServiceAccount', 'a', 'sa'),
  ];
  const fmt = (r: ObjectRef) => `${r.kind}/${r.namespace}/${r.name}`;

  it('puts Namespaces, then CRDs, then cluster-scoped kinds, then namespaced kinds by dependency', () => {
    expect([...refs].sort(compareApplyOrder).map(fmt)).toEqual([
      'Namespace//a',
      'Namespace//b',
      'CustomResourceDefinition//widgets.example.com',
      'ClusterRole//r',
      'ServiceAccount/a/sa',
      'Secret/a/s',
      'ConfigMap/a/z',
      'ConfigMap/b/z',
      'Deployment/b/web',
      'Widget/a/w',
    ]);
  });
});
