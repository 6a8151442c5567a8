// Health that names the cause, on the real control plane: kwok gives pods of marker images the kubelet's
// statuses (test/cluster/kwok-stages.yaml); the scheduler's Unschedulable is the real one.
import { describe, expect, it } from 'vitest';
import type { ObjectHealth } from '../../../src/core/types.ts';
import type { KubeRequest } from '../../../src/kube/client.ts';
import { KWOK_IMAGES } from '../../cluster/control-plane.ts';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

function deployment(ns: string, image: string, extra = ''): Record<string, string> {
  return {
    'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
${extra}      containers:
        - name: web
          image: ${image}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${ns} }
data: { greeting: hello }
`,
  };
}

function healthOf(r: { health: ObjectHealth[] }, kind: string): ObjectHealth {
  const h = r.health.find((x) => x.ref.kind === kind);
  if (!h) throw new Error(`no health for ${kind} in ${JSON.stringify(r.health)}`);
  return h;
}

/** Records the path of every API request the fixture's client sends from now on. */
function recordPaths(fx: SyncFixture): string[] {
  const paths: string[] = [];
  const client = fx.kube.client;
  const send = client.request.bind(client);
  client.request = (req: KubeRequest) => {
    paths.push(req.path);
    return send(req);
  };
  return paths;
}

describe('a Deployment whose image does not exist', () => {
  it('is Failed within the grace, naming the image and the reason; the next commit with a good image is Current', async () => {
    const fx = await suite.fixture('pull');
    const image = `${KWOK_IMAGES.pullError}:1.0`;
    await fx.repo.commit(deployment(fx.namespace, image), 'bad image');
    const grace = { healthFailureGraceSeconds: 5, healthTimeoutSeconds: 90 };

    const started = Date.now();
    const bad = await fx.sync({}, grace);
    const seconds = (Date.now() - started) / 1000;

    expect(bad.outcome).toBe('unhealthy');
    const h = healthOf(bad, 'Deployment');
    expect(h.status).toBe('Failed');
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(h.reason);
    expect(h.message).toContain(`cannot pull image "${image}"`);
    expect(h.message).toContain('failed to pull and unpack image');
    expect(h.message).toMatch(/longer than the 5s grace$/);
    expect(h.cause).toMatchObject({ image, container: 'web', blocked: 2, total: 2 });
    // The grace, not the 90 s timeout or the 600 s progress deadline, ends the wait (generous margin).
    expect(seconds).toBeLessThan(45);

    await fx.repo.commit(deployment(fx.namespace, 'nginx:1.27'), 'good image');
    const good = await fx.sync({}, grace);
    expect(good.outcome).toBe('synced');
    expect(healthOf(good, 'Deployment')).toMatchObject({ status: 'Current' });
    expect(healthOf(good, 'Deployment').cause).toBeUndefined();
  });
});

describe('a Deployment whose container crash-loops', () => {
  it('is Failed after the grace, naming the container and its restart count', async () => {
    const fx = await suite.fixture('crash');
    await fx.repo.commit(deployment(fx.namespace, `${KWOK_IMAGES.crashLoop}:2`), 'crash');

    const r = await fx.sync({}, { healthFailureGraceSeconds: 3, healthTimeoutSeconds: 90 });

    const h = healthOf(r, 'Deployment');
    expect(h).toMatchObject({ status: 'Failed', reason: 'CrashLoopBackOff' });
    expect(h.message).toMatch(
      /container web is crash-looping \(CrashLoopBackOff, 3 restarts\): back-off 40s/,
    );
    expect(h.cause).toMatchObject({ container: 'web', restarts: 3 });
  });
});

describe('a Deployment that no node can take', () => {
  it("is Failed after the grace with the scheduler's message", async () => {
    const fx = await suite.fixture('unsched');
    const selector = '      nodeSelector: { zone: nowhere }\n';
    await fx.repo.commit(deployment(fx.namespace, 'nginx:1.27', selector), 'unschedulable');

    const r = await fx.sync({}, { healthFailureGraceSeconds: 3, healthTimeoutSeconds: 90 });

    const h = healthOf(r, 'Deployment');
    expect(h).toMatchObject({ status: 'Failed', reason: 'Unschedulable' });
    expect(h.message).toContain("didn't match Pod's node affinity/selector");
  });
});

describe('pods are read only for workloads that are not Current', () => {
  it('a no-op sync of a Current set sends no pod request; a rollout reads pods at most once per poll', async () => {
    const fx = await suite.fixture('noop');
    await fx.repo.commit(deployment(fx.namespace, 'nginx:1.27'), 'app');
    const paths = recordPaths(fx);
    const first = await fx.sync();
    expect(first.outcome).toBe('synced');
    const podReads = paths.filter((p) => p.endsWith('/pods')).length;
    // One LIST per poll at most, and a poll a second: a rollout of a few seconds stays far below this.
    expect(podReads).toBeLessThanOrEqual(Math.ceil((first.timings.health ?? 0) / 1000) + 1);

    paths.length = 0;
    const second = await fx.sync();
    expect(second.outcome).toBe('synced');
    expect(second.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(paths.filter((p) => p.includes('/pods'))).toEqual([]);
  });
});

describe('workloads whose pods cannot be created', () => {
  it('name the admission error: a StatefulSet from its FailedCreate event, a Deployment from its ReplicaFailure condition', async () => {
    const fx = await suite.fixture('nosa');
    const ns = fx.namespace;
    const template = `  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      serviceAccountName: missing
      containers: [{ name: db, image: postgres:17 }]
`;
    await fx.repo.commit(
      {
        'deploy/db.yaml': `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db, namespace: ${ns} }\nspec:\n  serviceName: db\n${template}`,
        'deploy/web.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: ${ns} }\nspec:\n${template}`,
      },
      'no service account',
    );

    const r = await fx.sync({}, { healthFailureGraceSeconds: 3, healthTimeoutSeconds: 90 });

    for (const kind of ['StatefulSet', 'Deployment']) {
      const h = healthOf(r, kind);
      expect(h, kind).toMatchObject({ status: 'Failed', reason: 'FailedCreate' });
      expect(h.message, kind).toContain('serviceaccount "missing" not found');
    }
  });
});
