// Promise (docs/architecture.md, docs/cli.md): pruning happens only after a fully successful apply, and a
// deferred dry-run that fails stops the stages after it.
import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';
import { TEST_NAMESPACE_LABEL } from '../../support/namespace.ts';

const suite = useSyncFixtures();

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { value: ${value} }\n`;

/** Syncs a, b and c; the next commit changes a, removes b and adds `extra`. */
async function baselineThen(fx: SyncFixture, extra: Record<string, string>) {
  await fx.repo.commit(
    { 'deploy/a.yaml': cm('a', 'one'), 'deploy/b.yaml': cm('b', 'one'), 'deploy/c.yaml': cm('c', 'one') },
    'baseline',
  );
  expect((await fx.sync()).outcome).toBe('synced');
  await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'two'), 'deploy/b.yaml': null, ...extra }, 'next');
  // No health wait: if a bug let the sync go on past the failed apply, its prune shows at once.
  return fx.sync({}, { healthTimeoutSeconds: 0 });
}

/** The cluster still holds the baseline's a and b: nothing of the failed commit's later stages happened. */
async function expectBaselineKept(fx: SyncFixture, r: Awaited<ReturnType<SyncFixture['sync']>>) {
  expect(r.methods.DELETE ?? 0).toBe(0);
  expect(r.changes.filter((c) => c.action === 'deleted')).toEqual([]);
  expect(r.health).toEqual([]);
  expect(r.timings.health).toBeUndefined();
  expect(await getLive('configmap', 'b', fx.namespace)).toMatchObject({ data: { value: 'one' } });
  expect(await getLive('configmap', 'a', fx.namespace)).toMatchObject({ data: { value: 'one' } });
}

describe('a failed apply never prunes', () => {
  it('keeps a removed object when an object in a new Namespace fails its deferred dry-run', async () => {
    const fx = await suite.fixture('guard-ns');
    const newNs = `${fx.namespace}-new`;
    suite.onCleanup(() => kubectl(['delete', 'namespace', newNs, '--wait=false', '--ignore-not-found']));
    const r = await baselineThen(fx, {
      'deploy/new.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: ${newNs}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }
---
apiVersion: v1
kind: Service
metadata: { name: bad, namespace: ${newNs} }
spec: { ports: [{ port: 999999 }] }
`,
    });

    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('apply');
    expect(r.error?.message).toMatch(/dry-run failed \(deploy\/new\.yaml:5\)/);
    expect(r.error?.message).toMatch(/999999/);
    // The Namespace's own stage ran (it had to, for the dry-run); nothing after the failed dry-run did.
    expect(actions(r)).toEqual({
      [`Namespace/${newNs}`]: 'created',
      'Service/bad': 'failed',
      'ConfigMap/a': 'skipped',
      'ConfigMap/c': 'skipped',
    });
    await expectBaselineKept(fx, r);
  });

  it('skips the next stage when a deferred dry-run fails, and still prunes nothing', async () => {
    const fx = await suite.fixture('guard-crd');
    const group = `${fx.namespace}.example.com`;
    suite.onCleanup(() =>
      kubectl(['delete', 'crd', `gadgets.${group}`, '--wait=false', '--ignore-not-found']),
    );
    const r = await baselineThen(fx, {
      'deploy/gadget.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gadgets.${group}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }
spec:
  group: ${group}
  scope: Cluster
  names: { plural: gadgets, singular: gadget, kind: Gadget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
---
apiVersion: ${group}/v1
kind: Gadget
metadata: { name: big }
spec: { size: huge }
`,
    });

    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('apply');
    expect(r.error?.message).toMatch(/dry-run failed \(deploy\/gadget\.yaml:18\)/);
    expect(r.error?.message).toMatch(/spec\.size/);
    const byRef = Object.fromEntries(r.changes.map((c) => [`${c.ref.kind}/${c.ref.name}`, c]));
    expect(byRef[`CustomResourceDefinition/gadgets.${group}`]?.action).toBe('created');
    expect(byRef['Gadget/big']?.action).toBe('failed');
    // The namespaced stage comes after the cluster-scoped one and is not started at all.
    expect(byRef['ConfigMap/a']).toMatchObject({
      action: 'skipped',
      message: 'not applied: an earlier stage failed',
    });
    await expectBaselineKept(fx, r);
  });
});
