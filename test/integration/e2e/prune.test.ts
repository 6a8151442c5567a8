import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

function configMaps(
  names: string[],
  annotations: Record<string, Record<string, string>> = {},
): Record<string, string> {
  return Object.fromEntries(
    names.map((n) => [
      `deploy/${n}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  annotations: ${JSON.stringify(annotations[n] ?? {})}\ndata: { name: ${n} }\n`,
    ]),
  );
}

async function managedSet(fx: SyncFixture): Promise<string[]> {
  const parent = (await getLive('configmap', `gitops-agent.${fx.namespace}`, fx.namespace)) as {
    metadata: { labels: Record<string, string> };
  };
  const id = parent.metadata.labels['applyset.kubernetes.io/id'];
  const out = await kubectl([
    'get',
    'configmap',
    '-n',
    fx.namespace,
    '-l',
    `applyset.kubernetes.io/part-of=${id}`,
    '-o',
    'name',
  ]);
  return out.trim().split('\n').filter(Boolean).sort();
}

describe('pruning', () => {
  it('deletes an object removed from Git, and git revert brings it back', async () => {
    const fx = await suite.fixture('prune');
    await fx.repo.commit(configMaps(['a', 'b', 'c', 'd']), 'four');
    expect((await fx.sync()).outcome).toBe('synced');
    expect(await managedSet(fx)).toEqual(['configmap/a', 'configmap/b', 'configmap/c', 'configmap/d']);

    const removal = await fx.repo.commit({ 'deploy/d.yaml': null }, 'remove d');
    const pruned = await fx.sync();
    expect(pruned.outcome).toBe('synced');
    expect(actions(pruned)['ConfigMap/d']).toBe('deleted');
    expect(pruned.methods.DELETE).toBe(1);
    expect(await getLive('configmap', 'd', fx.namespace)).toBeUndefined();
    expect(await managedSet(fx)).toEqual(['configmap/a', 'configmap/b', 'configmap/c']);

    await fx.repo.revert(removal);
    const restored = await fx.sync();
    expect(actions(restored)['ConfigMap/d']).toBe('created');
    expect(await getLive('configmap', 'd', fx.namespace)).toMatchObject({ data: { name: 'd' } });
    expect(await managedSet(fx)).toEqual(['configmap/a', 'configmap/b', 'configmap/c', 'configmap/d']);
  });

  it('refuses a commit that empties the path, and prunes nothing', async () => {
    const fx = await suite.fixture('empty');
    await fx.repo.commit(configMaps(['a', 'b']), 'two');
    expect((await fx.sync()).outcome).toBe('synced');

    await fx.repo.commit(
      { 'deploy/a.yaml': null, 'deploy/b.yaml': null, 'deploy/README.md': 'moved' },
      'empty',
    );
    const r = await fx.sync();

    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('prune');
    expect(r.error?.message).toMatch(/renders no objects; refusing to prune all 2 recorded objects/);
    expect(r.methods.DELETE ?? 0).toBe(0);
    expect(await managedSet(fx)).toEqual(['configmap/a', 'configmap/b']);

    const allowed = await fx.sync({}, { prune: { ...fx.target.prune, allowEmpty: true } });
    expect(allowed.outcome).toBe('synced');
    expect(await managedSet(fx)).toEqual([]);
  });

  it('refuses to prune most of the set unless allowed, applying nothing meanwhile', async () => {
    const fx = await suite.fixture('mass');
    await fx.repo.commit(configMaps(['a', 'b', 'c', 'd', 'e', 'f']), 'six');
    expect((await fx.sync()).outcome).toBe('synced');

    await fx.repo.commit(
      {
        'deploy/a.yaml': null,
        'deploy/b.yaml': null,
        'deploy/c.yaml': null,
        'deploy/d.yaml': null,
        ...configMaps(['g']),
      },
      'drop four, add one',
    );
    const refused = await fx.sync();
    expect(refused.outcome).toBe('failed');
    expect(refused.error?.message).toMatch(/would prune 4 of 6 recorded objects \(67% > 50%\); refusing/);
    expect(refused.methods.DELETE ?? 0).toBe(0);
    expect(await getLive('configmap', 'g', fx.namespace)).toBeUndefined();

    const cli = await fx.cli('sync', ['--allow-mass-prune']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/1 created, 2 unchanged, 4 deleted/);
    expect(await managedSet(fx)).toEqual(['configmap/e', 'configmap/f', 'configmap/g']);
  });

  it('keeps a protected object, reports it skipped and releases it from the set', async () => {
    const fx = await suite.fixture('keep');
    await fx.repo.commit(
      configMaps(['a', 'b', 'c'], { c: { 'gitops-agent.io/prune': 'disabled' } }),
      'three',
    );
    expect((await fx.sync()).outcome).toBe('synced');

    await fx.repo.commit({ 'deploy/c.yaml': null }, 'remove c');
    const r = await fx.sync();

    expect(r.outcome).toBe('synced');
    const c = r.changes.find((x) => x.ref.name === 'c');
    expect(c).toMatchObject({ action: 'skipped' });
    expect(c?.message).toMatch(/kept: gitops-agent.io\/prune: disabled/);
    expect(r.methods.DELETE ?? 0).toBe(0);
    expect(await getLive('configmap', 'c', fx.namespace)).toMatchObject({ data: { name: 'c' } });
    expect(await managedSet(fx)).toEqual(['configmap/a', 'configmap/b']);
  });

  it('never deletes an object that carries the label but is not recorded in the inventory', async () => {
    const fx = await suite.fixture('foreign');
    await fx.repo.commit(configMaps(['a']), 'one');
    expect((await fx.sync()).outcome).toBe('synced');
    const parent = (await getLive('configmap', `gitops-agent.${fx.namespace}`, fx.namespace)) as {
      metadata: { labels: Record<string, string> };
    };
    const id = parent.metadata.labels['applyset.kubernetes.io/id'];
    await kubectl(['create', 'configmap', 'intruder', '-n', fx.namespace]);
    await kubectl([
      'label',
      'configmap',
      'intruder',
      '-n',
      fx.namespace,
      `applyset.kubernetes.io/part-of=${id}`,
    ]);

    const r = await fx.sync();

    expect(r.outcome).toBe('synced');
    expect(r.changes.find((x) => x.ref.name === 'intruder')).toMatchObject({ action: 'skipped' });
    expect(await getLive('configmap', 'intruder', fx.namespace)).toBeDefined();
  });
});
