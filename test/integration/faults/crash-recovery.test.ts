// kill -9 of `gitops-agent run` in the middle of applying or pruning 1,000 objects, again and again: after a
// restart the agent converges every time, with no orphan, no object wrongly deleted, and then no write at all.
// CI runs a few trials (GITOPS_FAULT_TRIALS, default 3); `npm run test:faults` runs 10.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { eventually, kubeconfigPath } from '../../support/cluster.ts';
import { startAgent, type AgentProcess } from '../../support/agent-process.ts';
import { Kube } from '../../../src/kube/objects.ts';
import { reconcile } from '../../../src/sync/reconcile.ts';
import type { KubeObject, SyncTarget } from '../../../src/core/types.ts';

const TRIALS = Number(process.env.GITOPS_FAULT_TRIALS ?? 3);
const OBJECTS = 1000;
const SHIFT = 400; // each commit adds 400, changes 600 and removes 400 objects: 40 % pruned, under the 50 % guard

let server: GitServer;
let kube: Kube;
beforeAll(async () => {
  server = await startGitServer();
  kube = Kube.load(kubeconfigPath());
});
afterAll(async () => {
  kube?.close();
  await server?.close();
});

// The desired set of trial `t`: OBJECTS ConfigMaps starting at (t % 2) * SHIFT, each carrying the trial number.
function desiredNames(t: number): string[] {
  const from = (t % 2) * SHIFT;
  return Array.from({ length: OBJECTS }, (_, i) => `cm-${String(from + i).padStart(4, '0')}`);
}

function files(t: number): Record<string, string> {
  const out: Record<string, string> = {};
  const names = desiredNames(t);
  for (let f = 0; f < 10; f++)
    out[`deploy/part-${f}.yaml`] = names
      .slice(f * 100, f * 100 + 100)
      .map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\ndata:\n  trial: "${t}"\n`)
      .join('---\n');
  return out;
}

describe(`kill -9 of the agent during apply and prune (${TRIALS} trials)`, () => {
  it(
    'converges after every restart: 0 orphans, 0 wrongly deleted, then 0 writes',
    async () => {
      const ns = await createTestNamespace('crash');
      const repo = await server.createRepo(ns.name);
      const dir = await mkdtemp(join(tmpdir(), 'gitops-crash-'));
      const config = {
        agent: { cluster: 'test', listen: '127.0.0.1:0', retry: { initial: '1s', max: '2s' } },
        targets: [
          {
            name: ns.name,
            repo: repo.url,
            path: 'deploy',
            namespace: ns.name,
            interval: '1h',
            healthTimeoutSeconds: 30,
          },
        ],
      };
      const target: SyncTarget = {
        name: ns.name,
        url: repo.url,
        ref: 'main',
        path: 'deploy',
        namespace: ns.name,
        inventoryNamespace: ns.name,
        prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
        force: true,
        healthTimeoutSeconds: 30,
      };
      const live = async (): Promise<KubeObject[]> =>
        (await kube.list('', 'ConfigMap', { namespace: ns.name })).filter((o) =>
          o.metadata.name.startsWith('cm-'),
        );
      const report: string[] = [];
      let agent: AgentProcess | undefined;
      try {
        for (let t = 0; t < TRIALS; t++) {
          const commit = await repo.commit(files(t), `trial ${t}`);
          const want = new Set(desiredNames(t));
          const stale = desiredNames(t - 1 < 0 ? 1 : t - 1).filter((n) => !want.has(n));
          // Odd trials (after the first) die while pruning; the others at a varied point of the apply.
          const duringPrune = t > 0 && t % 2 === 1;
          const threshold = duringPrune
            ? Math.round(stale.length * (0.2 + (0.6 * ((t * 7) % 10)) / 10))
            : Math.round(OBJECTS * (0.1 + (0.8 * ((t * 3) % 10)) / 10));
          agent = await startAgent(config, { logLevel: 'info' });
          const started = Date.now();
          let killedAt = '';
          for (;;) {
            const objs = await live();
            const applied = objs.filter((o) => trialOf(o) === String(t)).length;
            const gone = stale.filter((n) => !objs.some((o) => o.metadata.name === n)).length;
            if (duringPrune ? gone >= threshold : applied >= threshold) {
              await agent.dispose(); // SIGKILL
              killedAt = duringPrune ? `prune ${gone}/${stale.length}` : `apply ${applied}/${OBJECTS}`;
              break;
            }
            if (Date.now() - started > 300_000)
              throw new Error(
                `trial ${t}: no kill point reached; agent log:\n${agent.rawLines.slice(-10).join('\n')}`,
              );
            await new Promise((r) => setTimeout(r, 100));
          }
          agent = await startAgent(config, { logLevel: 'info' });
          await eventually(
            `trial ${t}: the restarted agent to converge`,
            async () => {
              const objs = await live();
              return (
                objs.length === OBJECTS &&
                objs.every((o) => trialOf(o) === String(t) && want.has(o.metadata.name))
              );
            },
            { timeoutMs: 180_000, intervalMs: 500 },
          );
          await agent.waitForLog(
            `trial ${t}: the synced outcome`,
            (l) => l.target === ns.name && l.outcome === 'synced' && l.revision === commit,
            { timeoutMs: 120_000 },
          );
          await agent.stop('SIGTERM');
          await agent.dispose();
          agent = undefined;
          const objs = await live();
          const names = new Set(objs.map((o) => o.metadata.name));
          const orphans = [...names].filter((n) => !want.has(n));
          const missing = [...want].filter((n) => !names.has(n));
          // The next sync of the same commit writes nothing: the inventory recorded exactly what is live.
          const again = await reconcile(target, { kube, cacheDir: join(dir, 'cache'), version: 'test' });
          const writes =
            (again.requests.APPLY ?? 0) +
            (again.requests.DELETE ?? 0) +
            (again.requests.POST ?? 0) +
            (again.requests.PUT ?? 0);
          report.push(
            `trial ${t}: killed during ${killedAt}; orphans ${orphans.length}, missing ${missing.length}, writes after ${writes}`,
          );
          expect(orphans).toEqual([]);
          expect(missing).toEqual([]);
          expect(again.outcome).toBe('synced');
          expect(writes).toBe(0);
        }
      } finally {
        console.log(report.join('\n'));
        await agent?.dispose();
        await ns.cleanup();
        await rm(dir, { recursive: true, force: true });
      }
    },
    30 * 60_000,
  );
});

function trialOf(o: KubeObject): string | undefined {
  return (o.data as Record<string, string> | undefined)?.trial;
}
