// Three `gitops-agent run` processes sharding 30 targets over Leases: no two processes ever sync one target at
// the same time (their own logs give each sync's start and end), also while one is killed with -9 and after it
// returns; the killed one's targets are taken over, and every target keeps being synced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { eventually } from '../../support/cluster.ts';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';

let server: GitServer;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
});

const TARGETS = 30;

interface Sync {
  process: number;
  target: string;
  start: number;
  end: number;
}

// Each process's syncs, from its `sync started` line to its outcome line; one cut off by kill -9 ends at the kill.
function syncsOf(process: number, lines: LogLine[], killedAt = Infinity): Sync[] {
  const open = new Map<string, number>();
  const out: Sync[] = [];
  for (const l of lines) {
    const target = l.target as string | undefined;
    if (!target) continue;
    const at = Date.parse(String(l.time));
    if (l.msg === 'sync started') open.set(target, at);
    else if (typeof l.outcome === 'string' && open.has(target)) {
      out.push({ process, target, start: open.get(target)!, end: at });
      open.delete(target);
    }
  }
  for (const [target, start] of open) out.push({ process, target, start, end: killedAt });
  return out;
}

describe('three replicas sharding 30 targets', () => {
  it('never sync one target in two processes at once, through kill -9 and return', async () => {
    const ns = await createTestNamespace('shards');
    defer(() => ns.cleanup());
    const repo = await server.createRepo(ns.name);
    const files: Record<string, string> = {};
    for (let i = 0; i < TARGETS; i++)
      files[`t${i}/cm.yaml`] =
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  i: "${i}"\n`;
    await repo.commit(files, 'thirty targets');
    const names = Array.from({ length: TARGETS }, (_, i) => `${ns.name}-t${i}`);
    const config = {
      agent: {
        cluster: 'test',
        listen: '127.0.0.1:0',
        concurrency: 4,
        replicas: {
          mode: 'shards',
          namespace: ns.name,
          leaseDuration: '6s',
          renewDeadline: '4s',
          retryPeriod: '1s',
        },
      },
      targets: names.map((name, i) => ({
        name,
        repo: repo.url,
        path: `t${i}`,
        namespace: ns.name,
        interval: '3s',
        healthTimeoutSeconds: 10,
      })),
    };
    const start = async (): Promise<AgentProcess> => {
      const a = await startAgent(config, { logLevel: 'debug' });
      defer(() => a.dispose());
      return a;
    };
    const agents = [await start(), await start(), await start()];
    const syncedBy = (list: AgentProcess[], since = 0) => {
      const seen = new Set<string>();
      for (const a of list)
        for (const l of a.logs())
          if (l.outcome === 'synced' && Date.parse(String(l.time)) >= since) seen.add(l.target as string);
      return seen;
    };
    await eventually('every target synced once', async () => syncedBy(agents).size === TARGETS, {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    await new Promise((r) => setTimeout(r, 6_000));

    // kill -9 of one replica: the other two hold and sync every target again.
    const victim = agents[2]!;
    const victimLines = victim.logs();
    const killedAt = Date.now();
    await victim.dispose();
    await eventually(
      'every target synced by the two survivors after the kill',
      async () => syncedBy(agents.slice(0, 2), killedAt).size === TARGETS,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const takeoverMs = Date.now() - killedAt;

    // The replica returns: it gets a share again, and still no target has two writers.
    const back = await start();
    const returnedAt = Date.now();
    await eventually(
      'the returned replica to sync some targets',
      async () => syncedBy([back], returnedAt).size > 0,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    await new Promise((r) => setTimeout(r, 6_000));
    for (const a of [agents[0]!, agents[1]!, back]) {
      // On a non-zero exit the message carries the replica's last lines, so a one-off failure can be read.
      const exit = await a.stop('SIGTERM');
      expect(exit.code, a.rawLines.slice(-15).join('\n')).toBe(0);
    }

    const all = [
      ...syncsOf(0, agents[0]!.logs()),
      ...syncsOf(1, agents[1]!.logs()),
      ...syncsOf(2, victimLines, killedAt),
      ...syncsOf(3, back.logs()),
    ];
    const overlaps: string[] = [];
    for (const name of names) {
      const syncs = all.filter((s) => s.target === name).sort((a, b) => a.start - b.start);
      for (let i = 1; i < syncs.length; i++)
        for (let j = 0; j < i; j++)
          if (syncs[j]!.process !== syncs[i]!.process && syncs[i]!.start < syncs[j]!.end)
            overlaps.push(`${name}: process ${syncs[j]!.process} and ${syncs[i]!.process}`);
    }
    const byProcess = [0, 1, 2, 3].map(
      (p) => new Set(all.filter((s) => s.process === p).map((s) => s.target)).size,
    );
    console.log(
      `shards: ${all.length} syncs, targets per process ${byProcess.join('/')}, takeover after kill -9 ${takeoverMs} ms, overlaps ${overlaps.length}`,
    );
    expect(overlaps).toEqual([]);
    expect(byProcess.every((n) => n > 0)).toBe(true);
  });
});
