import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

const deployment = (app: string, extra = '', annotations = '{}') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, annotations: ${annotations} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${app} } }
  template:
    metadata: { labels: { app: ${app} } }
    spec: { ${extra}containers: [{ name: web, image: nginx:1.27 }] }
`;

type Live = { metadata: { uid: string }; spec: { selector: { matchLabels: Record<string, string> } } };

describe('immutable fields', () => {
  it('says so plainly and applies nothing, unless the object opts in to recreate', async () => {
    const fx = await suite.fixture('immutable');
    await fx.repo.commit({ 'deploy/web.yaml': deployment('web') }, 'web');
    expect((await fx.sync()).outcome).toBe('synced');
    const before = (await getLive('deployment', 'web', fx.namespace)) as Live;

    await fx.repo.commit({ 'deploy/web.yaml': deployment('web2') }, 'new selector');
    const refused = await fx.sync();
    expect(refused.outcome).toBe('failed');
    expect(refused.error?.stage).toBe('plan');
    expect(refused.error?.message).toMatch(
      /^Deployment\.apps\/.+\/web dry-run failed \(deploy\/web\.yaml:1\)/,
    );
    expect(refused.error?.message).toMatch(/field is immutable/);
    expect(refused.error?.message).toMatch(/annotate it gitops-agent\.io\/recreate: "true"/);
    expect(refused.requests.APPLY ?? 0).toBe(0);

    await fx.repo.commit(
      { 'deploy/web.yaml': deployment('web2', '', '{ gitops-agent.io/recreate: "true" }') },
      'opt in',
    );
    const recreated = await fx.sync();
    expect(recreated.error).toBeUndefined();
    expect(recreated.outcome).toBe('synced');
    expect(recreated.changes[0]).toMatchObject({
      action: 'configured',
      message: 'recreated: an immutable field changed',
    });
    const after = (await getLive('deployment', 'web', fx.namespace)) as Live;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.spec.selector.matchLabels).toEqual({ app: 'web2' });
  });
});

describe('field manager conflicts', () => {
  it('name the other manager when force is off, and are taken over when it is on', async () => {
    const fx = await suite.fixture('conflict');
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared }\ndata: { owner: git }\n';
    await fx.repo.commit({ 'deploy/shared.yaml': cm }, 'shared');
    expect((await fx.sync()).outcome).toBe('synced');
    await kubectl(
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=team-b',
        '-n',
        fx.namespace,
        '-f',
        '-',
      ],
      {
        input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared }\ndata: { owner: team-b }\n',
      },
    );

    const refused = await fx.sync({}, { force: false });
    expect(refused.outcome).toBe('failed');
    expect(refused.error?.message).toMatch(/conflict with "team-b"/);
    expect(refused.error?.message).toMatch(/\.data\.owner/);
    expect(
      ((await getLive('configmap', 'shared', fx.namespace)) as { data: Record<string, string> }).data.owner,
    ).toBe('team-b');

    const forced = await fx.sync();
    expect(actions(forced)['ConfigMap/shared']).toBe('configured');
    expect(
      ((await getLive('configmap', 'shared', fx.namespace)) as { data: Record<string, string> }).data.owner,
    ).toBe('git');
  });
});

describe('health', () => {
  it('reports an object that never becomes ready, naming it and the reason, and keeps the result unhealthy', async () => {
    const fx = await suite.fixture('unhealthy');
    await fx.repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nodeSelector: { disk: none-such }, ') },
      'unschedulable',
    );

    const r = await fx.cli('sync', ['--health-timeout', '3']);

    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Health: 0\/1 Current/);
    expect(r.stdout).toMatch(
      /InProgress +Deployment\.apps\/.+\/web: (Available|Ready|Deployment not Available|ReplicaSet not Available)/,
    );
    expect(r.stdout).toMatch(/Result: unhealthy/);
    // The 3 s given here won, not the fixture's 60 s: the wait lasted at least 3 s and ended long before 60.
    const waited = Number(/health (\d+)ms/.exec(r.stdout)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(2900);
    expect(waited).toBeLessThan(30_000);
  });
});
