// Who owns an object: a target that brings up its own inventory namespace, and two targets claiming one object.
import { describe, expect, it } from 'vitest';
import { applySetId } from '../../../src/core/applyset.ts';
import { parentRef } from '../../../src/inventory/store.ts';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

type Labelled = { metadata: { labels?: Record<string, string> } };

describe('a target whose commit creates its inventory namespace', () => {
  it('syncs, records its inventory there, and is unchanged on the next sync', async () => {
    const fx = await suite.fixture('boot');
    const boot = `${fx.namespace}-boot`;
    suite.onCleanup(() => kubectl(['delete', 'namespace', boot, '--wait=false', '--ignore-not-found']));
    await fx.repo.commit(
      {
        'deploy/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${boot} }\n`,
        'deploy/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app, namespace: ${boot} }\ndata: { a: "1" }\n`,
      },
      'bootstrap',
    );

    const first = await fx.sync({}, { inventoryNamespace: boot });
    expect(first.error).toBeUndefined();
    expect(first.outcome).toBe('synced');
    expect(actions(first)).toEqual({ [`Namespace/${boot}`]: 'created', 'ConfigMap/app': 'created' });
    expect(await getLive('configmap', `gitops-agent.${fx.target.name}`, boot)).toBeDefined();

    const second = await fx.sync({}, { inventoryNamespace: boot });
    expect(second.outcome).toBe('synced');
    expect(actions(second)).toEqual({ [`Namespace/${boot}`]: 'unchanged', 'ConfigMap/app': 'unchanged' });
    expect(second.methods.PATCH ?? 0).toBe(0);
  });
});

describe('two targets that claim one object', () => {
  it('refuses the second with an error naming both sets, and lets it adopt only when asked', async () => {
    const fx = await suite.fixture('claim');
    const a = `${fx.namespace}-a`;
    const b = `${fx.namespace}-b`;
    const idOf = (target: string): string => applySetId(parentRef({ target, namespace: fx.namespace }));
    await fx.repo.commit(
      { 'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared }\ndata: { a: "1" }\n' },
      'shared',
    );
    expect((await fx.sync({}, { name: a })).outcome).toBe('synced');

    const refused = await fx.sync({}, { name: b });
    expect(refused.outcome).toBe('failed');
    expect(refused.error).toMatchObject({ stage: 'plan', retryable: false });
    expect(refused.error?.message).toContain(idOf(a));
    expect(refused.error?.message).toContain(idOf(b));
    expect(refused.error?.message).toContain(`gitops-agent.${a}`);
    expect(refused.error?.message).toMatch(/adopt/);
    expect(refused.requests.APPLY ?? 0).toBe(0);
    const stillA = (await getLive('configmap', 'shared', fx.namespace)) as Labelled;
    expect(stillA.metadata.labels?.['applyset.kubernetes.io/part-of']).toBe(idOf(a));
    // diff refuses it the same way.
    expect((await fx.sync({ mode: 'diff' }, { name: b })).error?.message).toContain(idOf(a));

    const adopted = await fx.sync({}, { name: b, adopt: true });
    expect(adopted.error).toBeUndefined();
    expect(actions(adopted)['ConfigMap/shared']).toBe('configured');
    const nowB = (await getLive('configmap', 'shared', fx.namespace)) as Labelled;
    expect(nowB.metadata.labels?.['applyset.kubernetes.io/part-of']).toBe(idOf(b));

    // The first target no longer wins it back by syncing last.
    const back = await fx.sync({}, { name: a });
    expect(back.outcome).toBe('failed');
    expect(back.error?.message).toContain(idOf(b));
    expect(back.error?.message).toContain(idOf(a));
    const stillB = (await getLive('configmap', 'shared', fx.namespace)) as Labelled;
    expect(stillB.metadata.labels?.['applyset.kubernetes.io/part-of']).toBe(idOf(b));
  });
});
