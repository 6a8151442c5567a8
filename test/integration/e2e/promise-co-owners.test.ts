// Promise (docs/architecture.md, README.md): `kubectl scale`, `rollout restart` and `label` stay co-owners
// (changes to the agent's fields are reverted, fields they add are kept), while objects first written by
// whole-object tools are taken over, so a field deleted from Git is deleted from the object.
import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

type Live = {
  metadata: { labels: Record<string, string>; managedFields: { manager: string; subresource?: string }[] };
  spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
  data: Record<string, string>;
};
const managers = (o: Live) => o.metadata.managedFields.map((m) => m.manager);

describe('kubectl scale, rollout restart and label', () => {
  it('stay co-owners: their changes to the agent fields are reverted, the fields they add are kept', async () => {
    const fx = await suite.fixture('coowners');
    await fx.repo.commit(
      {
        'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web, tier: web } }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27 }] }
`,
      },
      'web',
    );
    expect((await fx.sync({}, { healthTimeoutSeconds: 0 })).error).toBeUndefined();
    const ns = ['-n', fx.namespace];
    await kubectl(['scale', 'deployment/web', '--replicas=5', ...ns]);
    await kubectl(['rollout', 'restart', 'deployment/web', ...ns]);
    await kubectl(['label', 'deployment/web', 'extra=yes', ...ns]);
    await kubectl(['label', '--overwrite', 'deployment/web', 'tier=changed', ...ns]);
    const changed = (await getLive('deployment', 'web', fx.namespace)) as Live;
    expect(changed.spec.replicas).toBe(5);
    expect(managers(changed)).toEqual(expect.arrayContaining(['kubectl-rollout', 'kubectl-label']));
    const restartedAt = changed.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(restartedAt).toBeDefined();

    const r = await fx.sync({}, { healthTimeoutSeconds: 0 });

    expect(actions(r)['Deployment/web']).toBe('configured');
    const live = (await getLive('deployment', 'web', fx.namespace)) as Live;
    expect(live.spec.replicas).toBe(2);
    expect(live.metadata.labels).toMatchObject({ app: 'web', tier: 'web', extra: 'yes' });
    expect(live.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(restartedAt);
    expect(managers(live)).toEqual(expect.arrayContaining(['kubectl-rollout', 'kubectl-label']));

    // And the result is stable: the co-owners' fields cause no drift of their own.
    const again = await fx.sync({}, { healthTimeoutSeconds: 0 });
    expect(actions(again)['Deployment/web']).toBe('unchanged');
    expect(again.requests.APPLY ?? 0).toBe(0);
  });
});

describe('objects first written by whole-object tools', () => {
  it('are taken over from each such manager, so a field removed from Git is removed', async () => {
    const fx = await suite.fixture('takeover');
    const ns = ['-n', fx.namespace];
    const cm = (name: string, data: Record<string, string>, labels = '') =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}${labels} }\ndata: ${JSON.stringify(data)}\n`;
    const both = { keep: 'k', drop: 'd' };
    await kubectl(['apply', ...ns, '-f', '-'], { input: cm('csa', both) });
    await kubectl(['create', ...ns, '-f', '-'], { input: cm('create', both) });
    await kubectl(['create', '--field-manager=kubectl', ...ns, '-f', '-'], { input: cm('kubectl', both) });
    await kubectl(['create', ...ns, '-f', '-'], { input: cm('replace', { keep: 'k', drop: 'old' }) });
    await kubectl(['replace', ...ns, '-f', '-'], { input: cm('replace', both) });
    // An object without managedFields gets a before-first-apply entry from the server at the first apply.
    await kubectl(['create', ...ns, '-f', '-'], { input: cm('bfa', both) });
    await kubectl([
      'patch',
      'configmap',
      'bfa',
      ...ns,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/metadata/managedFields","value":[{}]}]',
    ]);
    await kubectl(['apply', '--server-side', '--field-manager=other', ...ns, '-f', '-'], {
      input: cm('bfa', {}, ', labels: { other: "yes" }'),
    });
    const expected: Record<string, string> = {
      csa: 'kubectl-client-side-apply',
      create: 'kubectl-create',
      kubectl: 'kubectl',
      replace: 'kubectl-replace',
      bfa: 'before-first-apply',
    };
    const names = Object.keys(expected);
    const owners = async () =>
      Object.fromEntries(
        await Promise.all(
          names.map(async (n) => [n, managers((await getLive('configmap', n, fx.namespace)) as Live)]),
        ),
      ) as Record<string, string[]>;
    const before = await owners();
    for (const n of names) expect(before[n], n).toContain(expected[n]);

    await fx.repo.commit(Object.fromEntries(names.map((n) => [`deploy/${n}.yaml`, cm(n, both)])), 'adopt');
    const adopted = await fx.sync();
    expect(adopted.outcome).toBe('synced');
    const after = await owners();
    for (const n of names) expect(after[n], n).not.toContain(expected[n]);

    await fx.repo.commit(
      Object.fromEntries(names.map((n) => [`deploy/${n}.yaml`, cm(n, { keep: 'k' })])),
      'drop',
    );
    const trimmed = await fx.sync();
    expect(trimmed.outcome).toBe('synced');
    const data = Object.fromEntries(
      await Promise.all(
        names.map(async (n) => [n, ((await getLive('configmap', n, fx.namespace)) as Live).data]),
      ),
    );
    expect(data).toEqual(Object.fromEntries(names.map((n) => [n, { keep: 'k' }])));
  });
});
