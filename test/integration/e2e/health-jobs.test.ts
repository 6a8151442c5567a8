// Jobs that delete themselves, as ingress-nginx's admission Jobs do (ttlSecondsAfterFinished: 0): kwok
// completes Job pods by default, and the real TTL controller deletes the Jobs within a second or so.
import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';
import { objectKey, refOf } from '../../../src/core/refs.ts';
import type { KubeObject } from '../../../src/core/types.ts';
import { waitForHealth, type WaitOptions } from '../../../src/health/wait.ts';

const suite = useSyncFixtures();

/** The ServiceAccount and the two admission Jobs of ingress-nginx's official manifests, trimmed. */
function admission(ns: string, secretName = 'ingress-nginx-admission'): Record<string, string> {
  const job = (name: string, args: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ingress-nginx-admission-${name}
  namespace: ${ns}
  labels: { app.kubernetes.io/component: admission-webhook, app.kubernetes.io/name: ingress-nginx }
spec:
  template:
    metadata:
      name: ingress-nginx-admission-${name}
      labels: { app.kubernetes.io/component: admission-webhook, app.kubernetes.io/name: ingress-nginx }
    spec:
      containers:
        - name: ${name}
          image: registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.5.0
          imagePullPolicy: IfNotPresent
          args: [${args}]
          env:
            - name: POD_NAMESPACE
              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 65532
      nodeSelector: { kubernetes.io/os: linux }
      restartPolicy: OnFailure
      serviceAccountName: ingress-nginx-admission
  ttlSecondsAfterFinished: 0
`;
  return {
    'deploy/sa.yaml': `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ingress-nginx-admission, namespace: ${ns} }\n`,
    'deploy/jobs.yaml': [
      job(
        'create',
        `create, '--host=ingress-nginx-controller-admission', '--namespace=$(POD_NAMESPACE)', '--secret-name=${secretName}'`,
      ),
      job(
        'patch',
        `patch, '--webhook-name=ingress-nginx-admission', '--namespace=$(POD_NAMESPACE)', '--secret-name=${secretName}'`,
      ),
    ].join('---\n'),
  };
}

const JOBS = ['Job/ingress-nginx-admission-create', 'Job/ingress-nginx-admission-patch'];

describe('Jobs that delete themselves after they finish', () => {
  it('are Current once run, are not created again for the same manifest, and run again when it changes', async () => {
    const fx = await suite.fixture('ttljobs');
    await fx.repo.commit(admission(fx.namespace), 'admission jobs');
    // A short health timeout, as the fault tries used: a Job gone before the first poll must not fail it.
    const opts = { healthTimeoutSeconds: 5 };

    const first = await fx.sync({}, opts);
    expect(first.error).toBeUndefined();
    expect(first.outcome).toBe('synced');
    expect(JOBS.map((j) => actions(first)[j])).toEqual(['created', 'created']);
    const jobHealth = (r: typeof first) => r.health.filter((h) => h.ref.kind === 'Job');
    expect(jobHealth(first).map((h) => h.status)).toEqual(['Current', 'Current']);
    await waitGone(fx.namespace);

    const second = await fx.sync({}, opts);
    expect(second.outcome).toBe('synced');
    expect(JOBS.map((j) => actions(second)[j])).toEqual(['unchanged', 'unchanged']);
    expect(second.methods.PATCH ?? 0).toBe(0);
    expect(second.methods.POST ?? 0).toBe(0);
    expect(jobHealth(second).map((h) => h.status)).toEqual(['Current', 'Current']);
    expect(jobHealth(second)[0]?.message).toMatch(/ttlSecondsAfterFinished/);
    expect(await getLive('job', 'ingress-nginx-admission-create', fx.namespace)).toBeUndefined();

    // The record survives a no-op sync: a third sync still knows the Jobs ran.
    const third = await fx.sync({}, opts);
    expect(JOBS.map((j) => actions(third)[j])).toEqual(['unchanged', 'unchanged']);

    await fx.repo.commit(admission(fx.namespace, 'ingress-nginx-admission-v2'), 'new secret name');
    const changed = await fx.sync({}, opts);
    expect(changed.outcome).toBe('synced');
    expect(JOBS.map((j) => actions(changed)[j])).toEqual(['created', 'created']);
    expect(jobHealth(changed).map((h) => h.status)).toEqual(['Current', 'Current']);
  });
});

describe('the health wait, for a Job deleted by its TTL', () => {
  it('is Current when the Job was applied by this sync or seen complete, NotFound otherwise', async () => {
    const fx = await suite.fixture('ttlwait');
    const label = `gitops-agent.test/wait=${fx.namespace}`;
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: fx.namespace, labels: { 'gitops-agent.test/wait': fx.namespace } },
      spec: {
        ttlSecondsAfterFinished: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.37' }] } },
      },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(job) });
    await waitGoneNamed(fx.namespace, 'once');
    const wait = (objects: KubeObject[], extra: Partial<WaitOptions>) =>
      waitForHealth(fx.kube, objects, { timeoutMs: 0, labelSelector: label, ...extra });

    const applied = await wait([job], { selfDeletingJobs: new Set([objectKey(refOf(job))]) });
    expect(applied.map((h) => h.status)).toEqual(['Current']);

    // Seen complete in the first round; listed again (another Job keeps the kind pending), it is gone.
    const complete = { ...job, status: { conditions: [{ type: 'Complete', status: 'True' }] } };
    const other = { ...job, metadata: { ...job.metadata, name: 'not-started' } };
    const seen = await wait([job, other], {
      initial: [complete, other],
      timeoutMs: 1500,
      intervalMs: 200,
    });
    expect(seen.map((h) => `${h.ref.name} ${h.status}`)).toEqual(['once Current', 'not-started NotFound']);

    const unknown = await wait([job], {});
    expect(unknown.map((h) => h.status)).toEqual(['NotFound']);
  });
});

/** Waits until the TTL controller has deleted both Jobs (it does within seconds of completion). */
async function waitGone(namespace: string): Promise<void> {
  await waitGoneNamed(namespace, 'ingress-nginx-admission-create', 'ingress-nginx-admission-patch');
}

async function waitGoneNamed(namespace: string, ...names: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const live = await Promise.all(names.map((n) => getLive('job', n, namespace)));
    if (live.every((j) => j === undefined)) return;
    if (Date.now() > deadline)
      throw new Error(`the TTL controller did not delete ${names.join(', ')} in 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
