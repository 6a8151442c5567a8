// Promises (docs/architecture.md, docs/cli.md): deletes carry a UID precondition, and pruning deletes
// namespaced objects first and Namespaces and CRDs last, never while something inside them failed to go.
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { apiRequest, kubectl } from '../../support/cluster.ts';
import { TEST_NAMESPACE_LABEL } from '../../support/namespace.ts';
import { tapRequests, type TappedRequest } from '../../support/requests.ts';

const suite = useSyncFixtures();

const cm = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}${namespace ? `, namespace: ${namespace}` : ''} }\ndata: { name: ${name} }\n`;

describe('a prune delete', () => {
  it('does not delete an object that someone deleted and re-created between plan and prune', async () => {
    const fx = await suite.fixture('uid');
    await fx.repo.commit(
      { 'deploy/a.yaml': cm('a'), 'deploy/b.yaml': cm('b'), 'deploy/c.yaml': cm('c') },
      'abc',
    );
    expect((await fx.sync()).outcome).toBe('synced');
    const before = (await getLive('configmap', 'c', fx.namespace)) as {
      metadata: { uid: string; labels: Record<string, string> };
    };
    await fx.repo.commit({ 'deploy/c.yaml': null }, 'c out');

    // Between the plan (which read c) and its DELETE, another client replaces c with an object of its own.
    const path = `/api/v1/namespaces/${fx.namespace}/configmaps/c`;
    const tap = tapRequests(fx.kube, async (req) => {
      if (req.method !== 'DELETE' || req.path !== path) return;
      expect((await apiRequest('DELETE', path)).status).toBe(200);
      const created = await apiRequest('POST', `/api/v1/namespaces/${fx.namespace}/configmaps`, {
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'c', labels: before.metadata.labels },
          data: { owner: 'someone else' },
        },
      });
      expect(created.status).toBe(201);
    });
    const r = await fx.sync().finally(() => tap.restore());

    expect(tap.only('DELETE').map((d) => [d.path, d.status])).toEqual([[path, 409]]);
    expect(actions(r)['ConfigMap/c']).toBe('failed');
    expect(r.error?.stage).toBe('prune');
    expect(r.error?.message).toMatch(
      /^ConfigMap\/.+\/c delete failed: .*the UID in the precondition .* does not match the UID in record/,
    );
    const after = (await getLive('configmap', 'c', fx.namespace)) as {
      metadata: { uid: string };
      data: object;
    };
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.data).toEqual({ owner: 'someone else' });
  });
});

/** A Namespace with a Widget (of a CRD) and a ConfigMap in it, a ClusterRole and a kept ConfigMap, synced. */
async function appThenRemoved(prefix: string) {
  const fx = await suite.fixture(prefix);
  const appNs = `${fx.namespace}-app`;
  const group = `${fx.namespace}.example.com`;
  const role = `${fx.namespace}-reader`;
  suite.onCleanup(() => kubectl(['delete', 'namespace', appNs, '--wait=false', '--ignore-not-found']));
  suite.onCleanup(() => kubectl(['delete', 'crd', `widgets.${group}`, '--wait=false', '--ignore-not-found']));
  suite.onCleanup(() => kubectl(['delete', 'clusterrole', role, '--ignore-not-found']));
  const app = {
    'deploy/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${appNs}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }\n`,
    'deploy/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`,
    'deploy/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: w, namespace: ${appNs} }\n`,
    'deploy/settings.yaml': cm('settings', appNs),
    'deploy/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: ${role}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }\nrules: []\n`,
    'deploy/keep.yaml': cm('keep'),
  };
  await fx.repo.commit(app, 'app');
  expect((await fx.sync()).outcome).toBe('synced');
  const { 'deploy/keep.yaml': _keep, ...rest } = app;
  await fx.repo.commit(Object.fromEntries(Object.keys(rest).map((f) => [f, null])), 'all but keep out');
  const prunedAll = {
    'ConfigMap/keep': 'unchanged',
    'ConfigMap/settings': 'deleted',
    'Widget/w': 'deleted',
    [`ClusterRole/${role}`]: 'deleted',
    [`Namespace/${appNs}`]: 'deleted',
    [`CustomResourceDefinition/widgets.${group}`]: 'deleted',
  };
  return { fx, appNs, group, role, massPrune: { prune: { ...fx.target.prune, allowMass: true } }, prunedAll };
}

describe('prune order', () => {
  it('deletes the contents first, then cluster-scoped objects, and the Namespace and CRD last', async () => {
    const { fx, massPrune, prunedAll } = await appThenRemoved('order');

    const tap = tapRequests(fx.kube);
    const r = await fx.sync({}, massPrune).finally(() => tap.restore());

    expect(r.outcome).toBe('synced');
    expect(actions(r)).toEqual(prunedAll);
    const deletes = tap.only('DELETE');
    const of = (...resources: string[]) =>
      deletes.filter((d) => resources.includes(d.path.split('/').at(-2) ?? ''));
    const lastEnd = (ds: TappedRequest[]) => Math.max(...ds.map((d) => d.done ?? Infinity));
    const firstStart = (ds: TappedRequest[]) => Math.min(...ds.map((d) => d.seq));
    expect(deletes).toHaveLength(5);
    // Each prune stage starts only when every delete of the stage before it has been answered.
    expect(lastEnd(of('widgets', 'configmaps'))).toBeLessThan(firstStart(of('clusterroles')));
    expect(lastEnd(of('clusterroles'))).toBeLessThan(
      firstStart(of('namespaces', 'customresourcedefinitions')),
    );
  });

  it('keeps the Namespace, the CRD and later stages while a content delete fails, and prunes them on the next sync', async () => {
    const { fx, appNs, group, role, massPrune, prunedAll } = await appThenRemoved('blocked');

    const failing = tapRequests(fx.kube, (req) => {
      if (req.method === 'DELETE' && req.path.endsWith('/widgets/w'))
        throw new KubeApiError(
          503,
          'ServiceUnavailable',
          `${req.method} ${req.path}: the API server is busy`,
        );
    });
    const blocked = await fx.sync({}, massPrune).finally(() => failing.restore());

    expect(blocked.error?.stage).toBe('prune');
    expect(
      failing
        .only('DELETE')
        .map((d) => d.path.split('/').slice(-2).join('/'))
        .sort(),
    ).toEqual(['configmaps/settings', 'widgets/w']);
    expect(actions(blocked)).toMatchObject({ 'Widget/w': 'failed', 'ConfigMap/settings': 'deleted' });
    expect(await getLive('namespace', appNs)).toBeDefined();
    expect(await getLive('crd', `widgets.${group}`)).toBeDefined();
    expect(await getLive('clusterrole', role)).toBeDefined();

    // What was not deleted is still recorded, so the retry prunes all of it.
    const retry = await fx.sync({}, massPrune);
    expect(retry.outcome).toBe('synced');
    const { 'ConfigMap/settings': _gone, ...rest } = prunedAll;
    expect(actions(retry)).toEqual(rest);
  });
});
