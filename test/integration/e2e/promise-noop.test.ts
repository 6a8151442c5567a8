// Promises (README.md, docs/architecture.md): a no-op sync costs one LIST per kind and a few reads, nothing
// else; the ownership hash alone catches a change by any other field manager; `--full` dry-runs everything.
import { describe, expect, it } from 'vitest';
import type { SyncResult } from '../../../src/core/types.ts';
import { actions, getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

/** Six objects of five kinds; the Deployment becomes Available on the kwok node. */
const app: Record<string, string> = {
  'deploy/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: a }
data: { value: one }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: b }
data: { value: one }
---
apiVersion: v1
kind: Secret
metadata: { name: s }
stringData: { token: abc }
`,
  'deploy/web.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: { name: web }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { serviceAccountName: web, containers: [{ name: web, image: nginx:1.27 }] }
`,
};
const OBJECTS = 6;
const KINDS = 5;

async function synced(prefix: string): Promise<SyncFixture> {
  const fx = await suite.fixture(prefix);
  await fx.repo.commit(app, 'app');
  const first = await fx.sync();
  expect(first.error).toBeUndefined();
  expect(first.outcome).toBe('synced');
  return fx;
}

async function cliJson(fx: SyncFixture, args: string[]): Promise<SyncResult> {
  const r = await fx.cli('sync', ['--output', 'json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as SyncResult;
}

describe('a no-op sync', () => {
  it('makes exactly one LIST per kind and one inventory GET, in a fresh process', async () => {
    const fx = await synced('budget');

    const r = await cliJson(fx, []);

    expect(r.outcome).toBe('synced');
    expect(r.changes.map((c) => c.action)).toEqual(Array(OBJECTS).fill('unchanged'));
    // Discovery is cached per connection and shared by every run on it, so it is not counted as the run's.
    expect(r.requests).toEqual({ GET: 1, LIST: KINDS });
  });

  it('dry-runs every object with --full, in the CLI and in reconcile, and still changes nothing', async () => {
    const fx = await synced('full');

    const cli = await cliJson(fx, ['--full']);
    const inProcess = await fx.sync({ full: true });

    for (const r of [cli, inProcess]) {
      expect(r.outcome).toBe('synced');
      expect(r.changes.map((c) => c.action)).toEqual(Array(OBJECTS).fill('unchanged'));
      expect(r.requests.DRYRUN).toBe(OBJECTS);
      expect(r.requests.APPLY ?? 0).toBe(0);
    }
    // Without --full the same commit needs no dry-run at all.
    expect((await fx.sync()).requests.DRYRUN ?? 0).toBe(0);
  });
});

describe('the drift check', () => {
  type Cm = { data: { value: string }; metadata: { managedFields: { manager: string }[] } };
  const value = async (fx: SyncFixture, name: string) =>
    ((await getLive('configmap', name, fx.namespace)) as Cm).data.value;

  it.each([
    [
      'a server-side apply by another manager',
      (ns: string) =>
        kubectl(
          ['apply', '--server-side', '--force-conflicts', '--field-manager=team-b', '-n', ns, '-f', '-'],
          {
            input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { value: team-b }\n',
          },
        ),
      'team-b',
    ],
    [
      'a strategic-merge PATCH by another manager',
      (ns: string) =>
        kubectl([
          'patch',
          'configmap',
          'a',
          '-n',
          ns,
          '--type=strategic',
          '--field-manager=ops',
          '-p',
          '{"data":{"value":"ops"}}',
        ]),
      'ops',
    ],
  ])('reverts %s, found by the ownership hash alone', async (_what, change, manager) => {
    const fx = await synced(`drift-${manager}`);
    await change(fx.namespace);
    const changed = (await getLive('configmap', 'a', fx.namespace)) as Cm;
    expect(changed.data.value).toBe(manager);
    // No whole-object manager is involved: nothing but the agent's own managedFields entry has changed.
    expect(changed.metadata.managedFields.map((m) => m.manager).sort()).toEqual(['gitops-agent', manager]);

    const r = await fx.sync();

    expect(actions(r)['ConfigMap/a']).toBe('configured');
    expect(r.requests.DRYRUN).toBe(1);
    expect(await value(fx, 'a')).toBe('one');
    expect(actions(r)['ConfigMap/b']).toBe('unchanged');
  });

  it('does not dry-run an object when another manager only adds a field of its own', async () => {
    const fx = await synced('drift-own');
    await kubectl(['annotate', 'configmap', 'a', '-n', fx.namespace, '--field-manager=ops', 'note=mine']);

    const r = await fx.sync();

    expect(r.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(r.changes).toHaveLength(OBJECTS);
    expect(r.requests.DRYRUN ?? 0).toBe(0);
    const live = (await getLive('configmap', 'a', fx.namespace)) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(live.metadata.annotations.note).toBe('mine');
  });
});
