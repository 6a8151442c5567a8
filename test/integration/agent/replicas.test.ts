// Two `gitops-agent run` processes with leader election: every write comes from one process only (counted by
// each process's own request metrics), and kill -9 of the writer hands over within the Lease duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { eventually } from '../../support/cluster.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';
import { parsePromText } from '../../support/prom-text.ts';

let server: GitServer;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
});

// Every verb label of the kube client that changes the cluster, except the Lease requests themselves.
const WRITES = new Set(['APPLY', 'DELETE', 'JSONPATCH', 'EVENT', 'POST', 'PUT', 'PATCH']);

async function writes(agent: AgentProcess): Promise<number> {
  const families = parsePromText((await agent.http('/metrics')).body);
  return (families.get('gitops_api_requests_total')?.samples ?? [])
    .filter((s) => WRITES.has(s.labels.verb ?? ''))
    .reduce((n, s) => n + s.value, 0);
}

const synced = (target: string) => (l: LogLine) => l.target === target && l.outcome === 'synced';
const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  value: "${value}"\n`;

describe('two replicas with leader election', () => {
  it('write from one process only, and the standby takes over within the Lease duration after kill -9', async () => {
    const ns = await createTestNamespace('replicas');
    defer(() => ns.cleanup());
    const repo = await server.createRepo(ns.name);
    await repo.commit({ 'deploy/a.yaml': cm('one') }, 'one');
    const leaseSeconds = 6;
    const config = {
      agent: {
        cluster: 'test',
        listen: '127.0.0.1:0',
        replicas: {
          mode: 'leader',
          namespace: ns.name,
          leaseDuration: `${leaseSeconds}s`,
          renewDeadline: '4s',
          retryPeriod: '1s',
        },
      },
      targets: [{ name: ns.name, repo: repo.url, path: 'deploy', namespace: ns.name, interval: '2s' }],
    };
    const a = await startAgent(config, { logLevel: 'info' });
    defer(() => a.dispose());
    const b = await startAgent(config, { logLevel: 'info' });
    defer(() => b.dispose());
    await eventually(
      'one replica to sync',
      async () => a.logs().some(synced(ns.name)) || b.logs().some(synced(ns.name)),
      {
        timeoutMs: 60_000,
      },
    );
    const [leader, standby] = a.logs().some(synced(ns.name)) ? [a, b] : [b, a];
    // Several intervals and a new commit: the leader keeps writing (status, apply), the standby never writes.
    await repo.commit({ 'deploy/a.yaml': cm('two') }, 'two');
    await eventually(
      'the new commit applied',
      async () =>
        ((await getLive('configmap', 'a', ns.name)) as { data?: { value?: string } })?.data?.value === 'two',
    );
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await writes(leader)).toBeGreaterThan(0);
    expect(await writes(standby)).toBe(0);
    expect(standby.logs().filter(synced(ns.name))).toEqual([]);

    // kill -9 of the writer: the standby syncs within the Lease duration (plus one retry period and a sync).
    const from = standby.logs().length;
    const killed = Date.now();
    await leader.dispose();
    await standby.waitForLog('the standby to take over', synced(ns.name), { from, timeoutMs: 60_000 });
    const ms = Date.now() - killed;
    console.log(`leader kill -9 → standby synced after ${ms} ms (Lease ${leaseSeconds} s)`);
    expect(ms).toBeLessThan((leaseSeconds + 1 + 5) * 1000);
    await repo.commit({ 'deploy/a.yaml': cm('three') }, 'three');
    await eventually(
      'the new leader applies',
      async () =>
        ((await getLive('configmap', 'a', ns.name)) as { data?: { value?: string } })?.data?.value ===
        'three',
    );
    expect(await writes(standby)).toBeGreaterThan(0);

    // SIGTERM of the new leader: exits 0 and releases its Lease (no holder left).
    const stopped = await standby.stop('SIGTERM');
    expect(stopped.code).toBe(0);
  });
});
