// The agent as users run it (`gitops-agent run`, a real process) against the real control plane and Git
// server: drift undone with no commit, and a missing image reported with its cause, retried, then fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer, type Repo } from '../../support/git-server.ts';
import { createTestNamespace, type TestNamespace } from '../../support/namespace.ts';
import { eventually, kubectl } from '../../support/cluster.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';
import { parsePromText } from '../../support/prom-text.ts';
import { KWOK_IMAGES } from '../../cluster/control-plane.ts';
import { kubectlEdit } from './self-heal-helpers.ts';

let server: GitServer;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
});

async function world(prefix: string): Promise<{ ns: TestNamespace; repo: Repo }> {
  const ns = await createTestNamespace(prefix);
  defer(() => ns.cleanup());
  return { ns, repo: await server.createRepo(ns.name) };
}

async function run(config: unknown): Promise<AgentProcess> {
  const agent = await startAgent(config, { logLevel: 'info' });
  defer(() => agent.dispose());
  return agent;
}

const settings = { cluster: 'test', listen: '127.0.0.1:0', retry: { initial: '1s', max: '3s' } };
const doneFor = (target: string, outcome?: string) => (l: LogLine) =>
  l.target === target && typeof l.outcome === 'string' && (!outcome || l.outcome === outcome);

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('gitops-agent run, as users run it', () => {
  it('undoes kubectl edit and kubectl delete with no commit, in under a second (median of 10), with an Event naming the manager and a metric', async () => {
    const { ns, repo } = await world('agent-drift');
    // One object per trial: each is corrected twice (edit, delete), under the fight threshold of 3 per minute.
    const files = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `deploy/cm-${i}.yaml`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\ndata:\n  mode: blue\n`,
      ]),
    );
    await repo.commit(files, 'settings');
    const agent = await run({
      agent: settings,
      targets: [{ name: ns.name, repo: repo.url, path: 'deploy', namespace: ns.name, interval: '1h' }],
    });
    await agent.waitForLog('the first sync', doneFor(ns.name, 'synced'));
    await eventually(
      '/readyz (drift watches listed)',
      async () => (await agent.http('/readyz')).status === 200,
    );
    const mode = async (i: number) =>
      ((await getLive('configmap', `settings-${i}`, ns.name)) as { data?: { mode?: string } } | undefined)
        ?.data?.mode;

    const edits: number[] = [];
    const deletes: number[] = [];
    defer(async () => {
      if (deletes.length < 10) console.log(agent.rawLines.slice(-40).join('\n'));
    });
    for (let i = 0; i < 10; i++) {
      await kubectlEdit(['configmap', `settings-${i}`, '-n', ns.name], `s/mode: blue/mode: red-${i}/`);
      let t0 = Date.now();
      await eventually('the edit undone', async () => (await mode(i)) === 'blue', {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      edits.push(Date.now() - t0);
      await kubectl(['delete', 'configmap', `settings-${i}`, '-n', ns.name, '--wait=false']);
      t0 = Date.now();
      await eventually('the delete undone', async () => (await mode(i)) === 'blue', {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      deletes.push(Date.now() - t0);
    }
    console.log(
      `agent self-heal: edit median ${median(edits)} ms [${edits.join(', ')}]; delete median ${median(deletes)} ms [${deletes.join(', ')}]`,
    );
    expect(median(edits)).toBeLessThan(1000);
    expect(median(deletes)).toBeLessThan(1000);

    // Each correction is recorded as an Event naming the manager that made the change.
    await eventually('a DriftCorrected Event naming kubectl-edit', async () => {
      const out = await kubectl(['get', 'events.events.k8s.io', '-n', ns.name, '-o', 'json']);
      const items = (
        JSON.parse(out) as { items: { reason: string; note: string; regarding: { name: string } }[] }
      ).items;
      return items.some(
        (e) =>
          e.reason === 'DriftCorrected' &&
          e.regarding.name.startsWith('settings-') &&
          e.note.includes('kubectl-edit'),
      );
    });
    const families = parsePromText((await agent.http('/metrics')).body);
    const corrections = families
      .get('gitops_drift_corrections_total')
      ?.samples.find((s) => s.labels.target === ns.name)?.value;
    expect(corrections).toBeGreaterThanOrEqual(20);
    expect(
      agent.logs().filter((l) => l.msg === 'drift corrected' && l.target === ns.name).length,
    ).toBeGreaterThanOrEqual(20);
  });

  it('reports a missing image as Failed within the grace, naming image and reason, keeps retrying, and turns Current with the next good commit', async () => {
    const { ns, repo } = await world('agent-image');
    const bad = `${KWOK_IMAGES.pullError}:1.0.1`;
    await repo.commit({ 'deploy/web.yaml': deployment(bad) }, 'web 1.0.1');
    const agent = await run({
      agent: settings,
      targets: [
        {
          name: ns.name,
          repo: repo.url,
          path: 'deploy',
          namespace: ns.name,
          interval: '1h',
          healthTimeoutSeconds: 60,
          healthFailureGraceSeconds: 5,
        },
      ],
    });
    const started = Date.now();
    const first = await agent.waitForLog('the unhealthy outcome', doneFor(ns.name, 'unhealthy'), {
      timeoutMs: 90_000,
    });
    // Failed after the 5 s grace, long before the 60 s health timeout or the 10 min progress deadline.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(String(first.msg)).toContain(bad);
    expect(String(first.msg)).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(String(first.msg)).toMatch(/Deployment(\.apps)?\/[^ ]*\/web Failed/);
    // Never gives up: the unhealthy target is synced again with backoff (retry 1 s to 3 s here).
    const from = agent.logs().length;
    await agent.waitForLog('a retry', doneFor(ns.name, 'unhealthy'), { from, timeoutMs: 90_000 });

    const good = await repo.commit({ 'deploy/web.yaml': deployment('nginx:1.27') }, 'web: a good image');
    const fixed = await agent.waitForLog(
      'the good commit synced',
      (l) => doneFor(ns.name, 'synced')(l) && l.revision === good,
      {
        timeoutMs: 120_000,
      },
    );
    expect(fixed.outcome).toBe('synced');
    const live = (await getLive('deployment', 'web', ns.name)) as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(live.spec.template.spec.containers[0]!.image).toBe('nginx:1.27');
  });
});
