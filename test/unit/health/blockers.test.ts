// Causes read from pods: the kubelet's and scheduler's statuses as they appear on real clusters.
import { describe, expect, it } from 'vitest';
import type { Health, KubeObject } from '../../../src/core/types.ts';
import { explainHealth, newPods } from '../../../src/health/blockers.ts';
import { describeCause, missingConfig, podBlock } from '../../../src/health/pod-block.ts';
import { yamlObject } from './fixtures.ts';

const NOW = new Date('2024-05-01T12:10:00Z');
const IMAGE = 'registry.invalid/does-not-exist:1.0';
const PULL_MESSAGE = `failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": not found`;

function pod(name: string, hash: string, created: string, status: string): KubeObject {
  return yamlObject(`apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ns, creationTimestamp: '${created}', labels: { app: web, pod-template-hash: '${hash}' } }
spec: { containers: [{ name: web, image: '${IMAGE}' }] }
status:
${status}`);
}

const pulling = (name: string, hash: string, since: string) =>
  pod(
    name,
    hash,
    since,
    `  phase: Pending
  conditions:
    - { type: PodScheduled, status: 'True', lastTransitionTime: '${since}' }
    - { type: Ready, status: 'False', reason: ContainersNotReady, lastTransitionTime: '${since}' }
  containerStatuses:
    - name: web
      image: '${IMAGE}'
      ready: false
      restartCount: 0
      state: { waiting: { reason: ImagePullBackOff, message: 'Back-off pulling image "${IMAGE}": ErrImagePull: ${PULL_MESSAGE}' } }`,
  );

const running = (name: string, hash: string) =>
  pod(
    name,
    hash,
    '2024-05-01T11:00:00Z',
    `  phase: Running
  conditions: [{ type: Ready, status: 'True' }]
  containerStatuses: [{ name: web, ready: true, restartCount: 0, state: { running: {} } }]`,
  );

const deployment = yamlObject(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ns }
spec: { replicas: 2, selector: { matchLabels: { app: web } } }`);

const inProgress: Health = { status: 'InProgress', reason: 'LessAvailable', message: 'Available: 1/2' };

describe('podBlock', () => {
  it('names the image and the kubelet message of a pod that cannot pull', () => {
    const b = podBlock(pulling('web-1', 'new', '2024-05-01T12:09:00Z'), NOW);
    expect(b).toMatchObject({ reason: 'ImagePullBackOff', pod: 'web-1', container: 'web', image: IMAGE });
    expect(b?.message).toContain(PULL_MESSAGE);
    expect(b?.sinceMs).toBe(Date.parse('2024-05-01T12:09:00Z'));
  });

  it('names the container and restart count of a crash loop', () => {
    const b = podBlock(
      yamlObject(`apiVersion: v1
kind: Pod
metadata: { name: p, creationTimestamp: '2024-05-01T12:00:00Z' }
status:
  phase: Running
  conditions: [{ type: Ready, status: 'False', lastTransitionTime: '2024-05-01T12:05:00Z' }]
  containerStatuses:
    - { name: sidecar, ready: true, restartCount: 0, state: { running: {} } }
    - name: app
      restartCount: 7
      state: { waiting: { reason: CrashLoopBackOff, message: 'back-off 5m0s restarting failed container=app pod=p_ns(1)' } }`),
      NOW,
    );
    expect(b).toMatchObject({ reason: 'CrashLoopBackOff', container: 'app', restarts: 7 });
    expect(b?.sinceMs).toBe(Date.parse('2024-05-01T12:05:00Z'));
    expect(describeCause(b!)).toBe(
      'pod p container app is crash-looping (CrashLoopBackOff, 7 restarts): back-off 5m0s restarting failed container=app pod=p_ns(1)',
    );
  });

  it("gives the scheduler's message for an unschedulable pod", () => {
    const message =
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    const b = podBlock(
      yamlObject(`apiVersion: v1
kind: Pod
metadata: { name: p, creationTimestamp: '2024-05-01T12:00:00Z' }
status:
  phase: Pending
  conditions: [{ type: PodScheduled, status: 'False', reason: Unschedulable, message: "${message}", lastTransitionTime: '2024-05-01T12:00:01Z' }]`),
      NOW,
    );
    expect(b).toMatchObject({ reason: 'Unschedulable', message, since: '2024-05-01T12:00:01Z' });
    expect(describeCause(b!)).toBe(`pod p cannot be scheduled (Unschedulable): ${message}`);
  });

  it('names the missing ConfigMap of a CreateContainerConfigError, init containers first', () => {
    const b = podBlock(
      yamlObject(`apiVersion: v1
kind: Pod
metadata: { name: p }
status:
  phase: Pending
  initContainerStatuses:
    - { name: init, state: { waiting: { reason: CreateContainerConfigError, message: 'configmap "settings" not found' } } }
  containerStatuses:
    - { name: app, state: { waiting: { reason: PodInitializing } } }`),
      NOW,
    );
    expect(b).toMatchObject({
      reason: 'CreateContainerConfigError',
      container: 'init',
      missing: { kind: 'ConfigMap', name: 'settings' },
    });
    expect(describeCause(b!)).toBe(
      'pod p container init cannot start: ConfigMap "settings" is missing (CreateContainerConfigError): configmap "settings" not found',
    );
  });

  it.each([
    ['secret "db-password" not found', { kind: 'Secret', name: 'db-password' }],
    ["couldn't find key url in ConfigMap shop/settings", { kind: 'ConfigMap', name: 'settings', key: 'url' }],
    ["couldn't find key token in Secret shop/api", { kind: 'Secret', name: 'api', key: 'token' }],
    ['something else', undefined],
  ])('reads %j', (message, missing) => {
    expect(missingConfig(message)).toEqual(missing);
  });

  it('finds nothing in running, finished, terminating or just-created pods', () => {
    expect(podBlock(running('r', 'a'), NOW)).toBeUndefined();
    const done = yamlObject(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: d }\nstatus: { phase: Succeeded, containerStatuses: [{ name: c, state: { waiting: { reason: CrashLoopBackOff } } }] }',
    );
    expect(podBlock(done, NOW)).toBeUndefined();
    const leaving = pulling('l', 'a', '2024-05-01T12:00:00Z');
    leaving.metadata.deletionTimestamp = '2024-05-01T12:09:00Z';
    expect(podBlock(leaving, NOW)).toBeUndefined();
    const fresh = yamlObject(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: f }\nstatus: { phase: Pending, containerStatuses: [{ name: c, state: { waiting: { reason: ContainerCreating } } }] }',
    );
    expect(podBlock(fresh, NOW)).toBeUndefined();
  });
});

describe('newPods', () => {
  it("keeps the Deployment's newest revision only, and only pods its selector matches", () => {
    const other = running('other', 'new');
    other.metadata.labels = { app: 'db', 'pod-template-hash': 'new' };
    const pods = [running('old-1', 'old'), pulling('new-1', 'new', '2024-05-01T12:09:00Z'), other];
    expect(newPods(deployment, pods).map((p) => p.metadata.name)).toEqual(['new-1']);
  });

  it("takes a StatefulSet's updateRevision even when an older revision's pod is newer", () => {
    const sts = yamlObject(`apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: ns }
spec: { selector: { matchExpressions: [{ key: app, operator: In, values: [db] }] } }
status: { updateRevision: db-2 }`);
    const p = (name: string, rev: string, created: string) =>
      yamlObject(
        `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: ns, creationTimestamp: '${created}', labels: { app: db, controller-revision-hash: ${rev} } }`,
      );
    const pods = [p('db-0', 'db-2', '2024-05-01T12:00:00Z'), p('db-1', 'db-1', '2024-05-01T12:05:00Z')];
    expect(newPods(sts, pods).map((x) => x.metadata.name)).toEqual(['db-0']);
  });

  it('selects nothing for a workload without a selector', () => {
    const rs = yamlObject(
      'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: { name: r, namespace: ns }\nspec: {}',
    );
    expect(newPods(rs, [running('a', 'x')])).toEqual([]);
  });
});

describe('explainHealth', () => {
  const pods = [running('web-old', 'old'), pulling('web-new', 'new', '2024-05-01T12:09:57Z')];

  it('names the cause and stays InProgress within the grace', () => {
    const h = explainHealth(inProgress, deployment, { pods, events: [] }, { graceMs: 5000, now: NOW });
    expect(h.status).toBe('InProgress');
    expect(h.reason).toBe('LessAvailable');
    expect(h.message).toMatch(
      /^Available: 1\/2: pod web-new container web cannot pull image "registry\.invalid\/does-not-exist:1\.0" \(ImagePullBackOff\): Back-off pulling image/,
    );
    expect(h.message).toMatch(/\[1 of 1 new pods\]$/);
    expect(h.cause).toMatchObject({ reason: 'ImagePullBackOff', image: IMAGE, blocked: 1, total: 1 });
  });

  it('is Failed with the pod’s reason once blocked longer than the grace', () => {
    const h = explainHealth(inProgress, deployment, { pods, events: [] }, { graceMs: 2000, now: NOW });
    expect(h).toMatchObject({ status: 'Failed', reason: 'ImagePullBackOff' });
    expect(h.message).toMatch(/\[1 of 1 new pods\]; blocked for 3s, longer than the 2s grace$/);
  });

  it('counts the grace from the change when this sync changed the workload (old pods blocked before it)', () => {
    // Blocked 3 s, but the sync changed the Deployment 1 s ago: the rollout gets its whole 2 s grace.
    const changedAt = NOW.getTime() - 1000;
    const opts = { graceMs: 2000, now: NOW, notBeforeMs: changedAt };
    expect(explainHealth(inProgress, deployment, { pods, events: [] }, opts).status).toBe('InProgress');
    const later = { ...opts, now: new Date(changedAt + 2500) };
    const h = explainHealth(inProgress, deployment, { pods, events: [] }, later);
    expect(h).toMatchObject({ status: 'Failed', reason: 'ImagePullBackOff' });
    expect(h.message).toMatch(/blocked for 3s, longer than the 2s grace$/);
  });

  it('keeps a Failed health Failed and adds the cause', () => {
    const failed: Health = {
      status: 'Failed',
      reason: 'ProgressDeadlineExceeded',
      message: 'Progress deadline exceeded',
    };
    const h = explainHealth(failed, deployment, { pods, events: [] }, { graceMs: 600_000, now: NOW });
    expect(h).toMatchObject({ status: 'Failed', reason: 'ProgressDeadlineExceeded' });
    expect(h.message).toMatch(/^Progress deadline exceeded: pod web-new/);
  });

  it('returns the health unchanged when no new pod is blocked', () => {
    expect(
      explainHealth(
        inProgress,
        deployment,
        { pods: [running('web-a', 'a')], events: [] },
        { graceMs: 0, now: NOW },
      ),
    ).toBe(inProgress);
  });
});

describe('createFailure', () => {
  const forbidden =
    'pods "db-0" is forbidden: error looking up service account ns/db: serviceaccount "db" not found';

  it("reads a Deployment's ReplicaFailure condition without any request", () => {
    const d = yamlObject(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ns }
spec: { selector: { matchLabels: { app: web } } }
status:
  conditions:
    - { type: ReplicaFailure, status: 'True', reason: FailedCreate, message: '${forbidden}', lastTransitionTime: '2024-05-01T12:00:00Z' }`);
    const h = explainHealth(inProgress, d, { pods: [], events: [] }, { graceMs: 60_000, now: NOW });
    expect(h).toMatchObject({ status: 'Failed', reason: 'FailedCreate' });
    expect(h.message).toBe(
      `pods cannot be created (FailedCreate): ${forbidden}; blocked for 600s, longer than the 60s grace`,
    );
  });

  it("takes a StatefulSet's newest FailedCreate event, timed from the first", () => {
    const sts = yamlObject(`apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: ns, uid: sts-1 }
spec: { selector: { matchLabels: { app: db } } }`);
    const event = (uid: string, first: string, last: string, message: string) =>
      yamlObject(`apiVersion: v1
kind: Event
metadata: { name: e-${last}, namespace: ns }
involvedObject: { kind: StatefulSet, name: db, uid: ${uid} }
reason: FailedCreate
type: Warning
firstTimestamp: '${first}'
lastTimestamp: '${last}'
message: '${message}'`);
    const events = [
      event(
        'sts-1',
        '2024-05-01T12:09:58Z',
        '2024-05-01T12:09:59Z',
        `create Pod db-0 in StatefulSet db failed error: ${forbidden}`,
      ),
      event('sts-1', '2024-05-01T12:09:50Z', '2024-05-01T12:09:51Z', 'older'),
      event('other', '2024-05-01T11:00:00Z', '2024-05-01T12:09:59Z', 'not this one'),
    ];
    const h = explainHealth(inProgress, sts, { pods: [], events }, { graceMs: 30_000, now: NOW });
    expect(h.status).toBe('InProgress');
    expect(h.cause).toMatchObject({
      reason: 'FailedCreate',
      since: '2024-05-01T12:09:50Z',
      blocked: 0,
      total: 0,
    });
    expect(h.message).toBe(
      `Available: 1/2: pods cannot be created (FailedCreate): create Pod db-0 in StatefulSet db failed error: ${forbidden}`,
    );
  });
});
