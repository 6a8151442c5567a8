import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

const deployment = (labels: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  labels: { ${labels} }
spec:
  replicas: 1
  selector: { matchLabels: { app: legacy } }
  template:
    metadata: { labels: { app: legacy } }
    spec: { containers: [{ name: app, image: nginx:1.27 }] }
`;

describe('objects first created with client-side kubectl apply', () => {
  it('are taken over, so a field later removed from Git is gone from the live object', async () => {
    const fx = await suite.fixture('csa');
    const manifest = deployment('app: legacy, tier: web, team: blue');
    await kubectl(['apply', '-n', fx.namespace, '-f', '-'], { input: manifest });
    const before = (await getLive('deployment', 'legacy', fx.namespace)) as {
      metadata: { annotations: Record<string, string>; managedFields: { manager: string }[] };
    };
    expect(before.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeDefined();
    expect(before.metadata.managedFields.map((m) => m.manager)).toContain('kubectl-client-side-apply');

    await fx.repo.commit({ 'deploy/legacy.yaml': manifest }, 'adopt');
    const adopted = await fx.sync();
    expect(adopted.outcome).toBe('synced');
    expect(actions(adopted)['Deployment/legacy']).toBe('configured');
    const after = (await getLive('deployment', 'legacy', fx.namespace)) as typeof before;
    expect(after.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(after.metadata.managedFields.map((m) => m.manager)).not.toContain('kubectl-client-side-apply');

    await fx.repo.commit(
      { 'deploy/legacy.yaml': deployment('app: legacy, tier: web') },
      'drop the team label',
    );
    const trimmed = await fx.sync();
    expect(actions(trimmed)['Deployment/legacy']).toBe('configured');
    const live = (await getLive('deployment', 'legacy', fx.namespace)) as {
      metadata: { labels: Record<string, string> };
    };
    expect(live.metadata.labels.team).toBeUndefined();
    expect(live.metadata.labels.tier).toBe('web');

    const settled = await fx.sync();
    expect(settled.outcome).toBe('synced');
    expect(actions(settled)).toEqual({ 'Deployment/legacy': 'unchanged' });
    expect(settled.methods.PATCH ?? 0).toBe(0);
  });
});
