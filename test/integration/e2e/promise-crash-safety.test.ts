// Promise (docs/architecture.md): the inventory is a superset while applying, so a crash mid-sync never
// orphans an object, and after a prune that failed part-way the records keep what was not deleted.
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { recordedKeys } from '../../support/inventory.ts';
import { tapRequests, type TappedRequest } from '../../support/requests.ts';

const suite = useSyncFixtures();

const cms = (names: string[]): Record<string, string> =>
  Object.fromEntries(
    names.map((n) => [
      `deploy/${n}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${n} }\ndata: { name: ${n} }\n`,
    ]),
  );
const gone = (names: string[]): Record<string, null> =>
  Object.fromEntries(names.map((n) => [`deploy/${n}.yaml`, null]));
const keys = (ns: string, names: string[]) => names.map((n) => `/ConfigMap/${ns}/${n}`);

describe('a sync that dies mid-apply', () => {
  it('has already recorded every object it may create, so the next sync prunes exactly what left Git', async () => {
    const fx = await suite.fixture('crash');
    await fx.repo.commit(cms(['a', 'b', 'd', 'e']), 'four');
    expect((await fx.sync()).outcome).toBe('synced');
    await fx.repo.commit({ ...gone(['b']), ...cms(['c']) }, 'b out, c in');

    // The agent "dies" right after the API server applied c: no later request reaches the cluster.
    let applyOfC: TappedRequest | undefined;
    const tap = tapRequests(fx.kube, (req, seen) => {
      if (applyOfC?.done !== undefined)
        throw new KubeApiError(0, 'NetworkError', `${req.method} ${req.path}: the agent is gone`);
      if (seen.verb === 'APPLY' && req.path.endsWith('/configmaps/c')) applyOfC = seen;
    });
    const crashed = await fx.sync().finally(() => tap.restore());

    expect(applyOfC?.status).toBe(201); // c was created before the agent died
    expect(crashed.outcome).toBe('failed');
    expect(await getLive('configmap', 'c', fx.namespace)).toMatchObject({ data: { name: 'c' } });
    expect(await getLive('configmap', 'b', fx.namespace)).toBeDefined();
    expect(await recordedKeys(fx.namespace, fx.namespace)).toEqual(
      keys(fx.namespace, ['a', 'b', 'c', 'd', 'e']),
    );

    await fx.repo.commit(gone(['c']), 'c out again');
    const next = await fx.sync();

    expect(next.outcome).toBe('synced');
    expect(actions(next)).toEqual({
      'ConfigMap/a': 'unchanged',
      'ConfigMap/b': 'deleted',
      'ConfigMap/c': 'deleted',
      'ConfigMap/d': 'unchanged',
      'ConfigMap/e': 'unchanged',
    });
    expect(next.methods.DELETE).toBe(2);
    expect(await getLive('configmap', 'c', fx.namespace)).toBeUndefined();
    expect(await recordedKeys(fx.namespace, fx.namespace)).toEqual(keys(fx.namespace, ['a', 'd', 'e']));
  });
});

describe('a prune that fails part-way', () => {
  it('keeps the object it could not delete recorded, and the next sync deletes it', async () => {
    const fx = await suite.fixture('halfprune');
    await fx.repo.commit(cms(['a', 'b', 'c', 'd', 'e', 'f']), 'six');
    expect((await fx.sync()).outcome).toBe('synced');
    await fx.repo.commit(gone(['b', 'c']), 'b and c out');

    const tap = tapRequests(fx.kube, (req) => {
      if (req.method === 'DELETE' && req.path.endsWith('/configmaps/c'))
        throw new KubeApiError(
          503,
          'ServiceUnavailable',
          `${req.method} ${req.path}: the API server is busy`,
        );
    });
    const half = await fx.sync().finally(() => tap.restore());

    expect(half.outcome).toBe('failed');
    expect(half.error).toMatchObject({ stage: 'prune', retryable: true });
    expect(half.error?.message).toMatch(/^ConfigMap\/.+\/c delete failed: .*the API server is busy/);
    expect(actions(half)).toMatchObject({ 'ConfigMap/b': 'deleted', 'ConfigMap/c': 'failed' });
    expect(await getLive('configmap', 'b', fx.namespace)).toBeUndefined();
    expect(await recordedKeys(fx.namespace, fx.namespace)).toEqual(
      keys(fx.namespace, ['a', 'c', 'd', 'e', 'f']),
    );

    const retry = await fx.sync();

    expect(retry.outcome).toBe('synced');
    expect(retry.changes.filter((c) => c.action !== 'unchanged')).toEqual([
      { ref: { group: '', kind: 'ConfigMap', namespace: fx.namespace, name: 'c' }, action: 'deleted' },
    ]);
    expect(retry.methods.DELETE).toBe(1);
    expect(await getLive('configmap', 'c', fx.namespace)).toBeUndefined();
    expect(await recordedKeys(fx.namespace, fx.namespace)).toEqual(keys(fx.namespace, ['a', 'd', 'e', 'f']));
  });
});
