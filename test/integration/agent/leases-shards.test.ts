import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.ts';
import { leaseNow, listLeases } from '../../../src/kube/lease.ts';
import { targetLeaseRef } from '../../../src/sync/lock.ts';
import { kubeconfigPath } from '../../support/cluster.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import type { ReplicaSpec } from './leases-replica.ts';
import {
  contradictions,
  heldOnce,
  settledOn,
  kill9,
  overlaps,
  ownedNow,
  sampleLeases,
  spawnReplica,
  until,
  type Replica,
} from './leases-support.ts';

// Shorter than the 15 s / 10 s / 2 s defaults so the file stays quick; the rules do not depend on the values.
const timing = { leaseDurationSeconds: 6, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
const targets = Array.from({ length: 30 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
const started: Replica[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const r of started.splice(0)) r.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const eachOnce = (replicas: Replica[]) => heldOnce(replicas, targets);
const settled = (replicas: Replica[]) => settledOn(replicas, targets);

describe('targets sharded across replicas, each held through its own Lease', () => {
  it('gives every one of 30 targets exactly one holder at every moment, through kill -9, return and SIGTERM', async () => {
    const ns = await createTestNamespace('leases-shards');
    const client = KubeClient.load(kubeconfigPath());
    cleanups.push(
      async () => client.close(),
      () => ns.cleanup(),
    );
    const spec = (identity: string): ReplicaSpec => ({
      mode: 'shards',
      kubeconfig: kubeconfigPath(),
      namespace: ns.name,
      identity,
      group: 'gitops-agent',
      targets,
      timing,
      sampleMs: 50,
    });
    const sampling = new AbortController();
    const samples = sampleLeases(client, ns.name, 'gitops-agent.io/lease=target', 100, sampling.signal);
    const [a, b, c] = ['replica-a', 'replica-b', 'replica-c'].map((id) => spawnReplica(spec(id))) as [
      Replica,
      Replica,
      Replica,
    ];
    const replicas = [a, b, c];
    started.push(...replicas);

    await until('all 30 targets held, each by one replica', () => eachOnce(replicas), 30_000);
    await until(
      'all three replicas holding targets',
      () => replicas.every((r) => ownedNow(r).size > 0),
      20_000,
    );
    // The hand-over to the last replica to join takes a few rounds; once settled, it stays settled: no target
    // moves while the members stay the same.
    await until('the assignment to settle', () => settled(replicas), 30_000);
    const unsettled: string[] = [];
    for (let i = 0; i < 20; i++, await new Promise((r) => setTimeout(r, 100)))
      if (!settled(replicas)) unsettled.push(replicas.map((r) => `${r.id} ${ownedNow(r).size}`).join(', '));
    expect(unsettled).toEqual([]);
    const ofC = ownedNow(c);
    console.log(`shards: ${replicas.map((r) => `${r.id} ${ownedNow(r).size}`).join(', ')}`);

    const killedAt = kill9(c);
    const takenAt = await until('the survivors to hold all 30', () => eachOnce([a, b]), 20_000);
    await until('the survivors to settle', () => settled([a, b]), 10_000);
    console.log(
      `shards: kill -9 of a replica with ${ofC.size} targets → all taken over after ${Math.round(takenAt - killedAt)} ms`,
    );
    // The member Lease and then the target Leases expire: the duration plus at most one retry period.
    expect(takenAt - killedAt).toBeLessThan(
      timing.leaseDurationSeconds * 1000 + timing.retryPeriodMs + 2_000,
    );

    const back = spawnReplica(spec('replica-c'));
    started.push(back);
    replicas.push(back);
    const backAt = leaseNow();
    await until('the returned replica to hold its share again', () => settled([a, b, back]), 20_000);
    console.log(
      `shards: a returning replica holds ${ownedNow(back).size} targets after ${Math.round(leaseNow() - backAt)} ms`,
    );
    // Rendezvous hashing gives it back the same targets it had.
    expect(ownedNow(back)).toEqual(ofC);

    const termAt = leaseNow();
    a.child.kill('SIGTERM');
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    const afterTerm = await listLeases(client, ns.name, 'gitops-agent.io/lease=target');
    expect(afterTerm.filter((l) => l.spec.holderIdentity === 'replica-a')).toEqual([]);
    await until('the others to hold all 30', () => settled([b, back]), 15_000);
    console.log(
      `shards: SIGTERM → exit 0 after ${Math.round(exit.at - termAt)} ms, all targets held again after ${Math.round(leaseNow() - termAt)} ms`,
    );
    expect(leaseNow() - termAt).toBeLessThan(3 * timing.retryPeriodMs + 1_500);

    b.child.kill('SIGTERM');
    back.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect((await back.exited).code).toBe(0);
    sampling.abort();
    const all = await samples;
    const leases = await listLeases(client, ns.name, 'gitops-agent.io/lease');
    // The last replicas to go deleted their member Leases and released the target Leases, which are the sync
    // locks next to each inventory and stay with it.
    expect(leases.filter((l) => l.spec.holderIdentity)).toEqual([]);
    expect(leases.filter((l) => l.metadata.name.includes('-member-'))).toEqual([]);
    expect(leases).toHaveLength(30);

    expect(all.length).toBeGreaterThan(100);
    expect(overlaps(replicas)).toEqual([]);
    const leaseName = (t: string) => targetLeaseRef(t, ns.name).name;
    expect(contradictions(replicas, all, leaseName)).toEqual([]);
  });
});
