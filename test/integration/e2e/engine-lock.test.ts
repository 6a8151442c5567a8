import { describe, expect, it } from 'vitest';
import { leaseNow, getLease } from '../../../src/kube/lease.ts';
import { acquireSyncLock, targetLeaseRef } from '../../../src/sync/lock.ts';
import { ShardedOwnership } from '../../../src/agent/leases/shards.ts';
import { PART_OF_LABEL } from '../../../src/core/applyset.ts';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const configMaps = (prefix: string, n: number, value: string): Record<string, string> =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `deploy/${prefix}-${i}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${prefix}-${i} }\ndata: { commit: "${value}" }\n`,
    ]),
  );

/** Names and `data.commit` of the ConfigMaps that carry the target's ApplySet label. */
async function managed(fx: SyncFixture): Promise<Map<string, string>> {
  const inventory = JSON.parse(
    await kubectl(['get', 'configmap', `gitops-agent.${fx.target.name}`, '-n', fx.namespace, '-o', 'json']),
  ) as {
    metadata: { labels: Record<string, string> };
  };
  const id = inventory.metadata.labels['applyset.kubernetes.io/id'];
  const list = JSON.parse(
    await kubectl(['get', 'configmap', '-n', fx.namespace, '-l', `${PART_OF_LABEL}=${id}`, '-o', 'json']),
  ) as { items: { metadata: { name: string }; data?: { commit?: string } }[] };
  return new Map(list.items.map((i) => [i.metadata.name, i.data?.commit ?? '']));
}

describe('a sync holds a lock on its target', () => {
  it('makes a second concurrent CLI sync of the target wait, so the last commit is applied whole', async () => {
    const fx = await suite.fixture('lock-two-syncs');
    // Two commits on two branches that share 50 objects and differ in 120 each.
    await fx.repo.commit({ ...configMaps('shared', 50, 'a'), ...configMaps('only-a', 120, 'a') }, 'a');
    await fx.repo.branch('a');
    const removeA = Object.fromEntries(Object.keys(configMaps('only-a', 120, '')).map((f) => [f, null]));
    await fx.repo.commit(
      { ...removeA, ...configMaps('shared', 50, 'b'), ...configMaps('only-b', 120, 'b') },
      'b',
    );
    await fx.repo.branch('b');
    const lease = targetLeaseRef(fx.target.name, fx.namespace);

    const started = leaseNow();
    const first = fx.cli('sync', ['--ref', 'a', '--allow-mass-prune', '--output', 'json']);
    const holder = await poll(
      async () => (await getLease(fx.kube.client, lease))?.spec.holderIdentity,
      30_000,
    );
    expect(holder).toMatch(/^gitops-agent sync .+ pid \d+$/);
    const second = fx.cli('sync', ['--ref', 'b', '--allow-mass-prune', '--output', 'json']);
    const [a, b] = await Promise.all([first.then(done), second.then(done)]);
    console.log(
      `lock: first sync done after ${Math.round(a.at - started)} ms, the waiting one after ${Math.round(b.at - started)} ms`,
    );

    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`waiting for ${holder} to finish syncing "${fx.target.name}"`);
    expect(b.at).toBeGreaterThan(a.at);
    const live = await managed(fx);
    const wanted = [
      ...Array.from({ length: 50 }, (_, i) => `shared-${i}`),
      ...Array.from({ length: 120 }, (_, i) => `only-b-${i}`),
    ];
    expect([...live.keys()].sort()).toEqual(wanted.sort());
    expect(new Set(live.values())).toEqual(new Set(['b']));
    const orphans = await kubectl(['get', 'configmap', '-n', fx.namespace, '-o', 'name']);
    expect(orphans).not.toMatch(/only-a-/);
    // Released: the next sync does not wait.
    expect((await getLease(fx.kube.client, lease))?.spec.holderIdentity).toBe('');
  });

  it("counts the agent's own target Lease as the lock, and refuses others naming the agent's replica", async () => {
    const fx = await suite.fixture('lock-agent');
    await fx.repo.commit(configMaps('cm', 3, 'x'), 'three');
    const agent = new ShardedOwnership(fx.kube.client, {
      identity: 'agent-replica-0',
      namespace: fx.namespace,
      targets: () => [{ name: fx.target.name, inventoryNamespace: fx.namespace }],
    });
    const stop = new AbortController();
    await agent.start(stop.signal);
    expect(agent.owns(fx.target.name)).toBe(true);
    const lease = targetLeaseRef(fx.target.name, fx.namespace);
    const before = await getLease(fx.kube.client, lease);

    const borrowed = await acquireSyncLock(fx.kube.client, fx.target, {
      identity: 'agent-replica-0',
      waitMs: 0,
    });
    expect(borrowed.mode).toBe('borrowed');
    await borrowed.release();
    expect((await getLease(fx.kube.client, lease))?.spec.holderIdentity).toBe('agent-replica-0');

    const refused = await fx.cli('sync', ['--lock-timeout', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(
        `target "${fx.target.name}" is being synced by agent-replica-0 \\(Lease ${fx.namespace}/${lease.name}, renewed \\d+s ago\\)`,
      ),
    );
    expect(await kubectl(['get', 'configmap', '-n', fx.namespace, '-o', 'name'])).not.toMatch(/cm-/);
    expect(before?.spec.holderIdentity).toBe('agent-replica-0');

    // A sync that may wait proceeds as soon as the agent gives the Lease up.
    const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-lock-'));
    suite.onCleanup(() => rm(cacheDir, { recursive: true, force: true }));
    const waiting = startCli(fx, ['sync', '--lock-timeout', '60'], cacheDir);
    await poll(async () => waiting.stderr().includes('waiting for agent-replica-0'), 60_000);
    const releasedAt = leaseNow();
    await agent.release();
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.at - releasedAt).toBeLessThan(30_000);
    expect([...(await managed(fx)).keys()].sort()).toEqual(['cm-0', 'cm-1', 'cm-2']);
    stop.abort();
  });
});

/** The CLI against the fixture's target, with its stderr readable while it runs. */
function startCli(
  fx: SyncFixture,
  args: string[],
  cacheDir: string,
): { stderr: () => string; done: Promise<{ code: number; stderr: string; at: number }> } {
  const child = spawn(process.execPath, [
    'bin/gitops-agent.mjs',
    ...args,
    ...[
      '--repo',
      fx.repo.url,
      '--path',
      fx.target.path,
      '--namespace',
      fx.namespace,
      '--name',
      fx.target.name,
    ],
    ...['--kubeconfig', kubeconfigPath(), '--cache-dir', cacheDir],
  ]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<{ code: number; stderr: string; at: number }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stderr, at: leaseNow() })),
  );
  return { stderr: () => stderr, done };
}

function done<T extends object>(r: T): T & { at: number } {
  return { ...r, at: leaseNow() };
}

async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = leaseNow() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (leaseNow() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
