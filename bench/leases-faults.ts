// `node bench/leases-faults.ts`: many fault trials against Lease-based ownership, by hand (CI runs a few in
// test/integration/agent/). Two electors: kill -9 and SIGTERM of the leader. Three sharding replicas with 30
// targets: kill -9, SIGSTOP past the renew deadline, and SIGTERM of a random replica, each followed by its return.
// Every replica reports its own view; the script checks that no two ever claimed one target at once (also against
// Leases sampled from the API) and prints takeover times.
import { parseArgs } from 'node:util';
import { startControlPlane } from '../test/cluster/control-plane.ts';
import { KubeClient } from '../src/kube/client.ts';
import { leaseNow } from '../src/kube/lease.ts';
import { targetLeaseRef } from '../src/sync/lock.ts';
import type { ReplicaSpec } from '../test/integration/agent/leases-replica.ts';
import {
  contradictions,
  kill9,
  overlaps,
  ownedNow,
  sampleLeases,
  settledOn,
  spawnReplica,
  until,
  type Replica,
} from '../test/integration/agent/leases-support.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string' },
    fast: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`node bench/leases-faults.ts [--trials N] [--fast]
  --trials N   election trials (alternating kill -9 and SIGTERM) and sharding trials per fault (default 5)
  --fast       6 s / 4 s / 1 s Lease timing instead of the 15 s / 10 s / 2 s defaults
`);
  process.exit(0);
}
const trials = Number(values.trials ?? 5);
const timing = values.fast
  ? { leaseDurationSeconds: 6, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 }
  : { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const targets = Array.from({ length: 30 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wait = Math.max(60_000, timing.leaseDurationSeconds * 1000 * 4);

const cp = await startControlPlane({});
const client = KubeClient.load(cp.kubeconfig);
const all: Replica[] = [];
const figures = new Map<string, number[]>();
const record = (row: string, ms: number) => {
  console.log(`${row}: ${Math.round(ms)} ms`);
  figures.set(row, [...(figures.get(row) ?? []), ms]);
};
try {
  // Leader election.
  const electNs = await namespace('bench-elect');
  const sampling = new AbortController();
  const electSamples = sampleLeases(client, electNs, 'gitops-agent.io/lease=leader', 100, sampling.signal);
  const elect = (id: string) => track(spawnReplica(spec('elect', electNs, id)));
  let electors = [elect('elector-a'), elect('elector-b')];
  const leaders = () => electors.filter((r) => ownedNow(r).has('leader'));
  const electorsUsed = [...electors];
  for (let i = 0; i < trials; i++) {
    await until('one leader', () => leaders().length === 1, wait);
    await pause(Math.random() * timing.retryPeriodMs * 2);
    const leader = leaders()[0]!;
    const other = electors.find((r) => r !== leader)!;
    const fault = i % 2 === 0 ? 'kill -9' : 'SIGTERM';
    const at = fault === 'kill -9' ? kill9(leader) : (leader.child.kill('SIGTERM'), leaseNow());
    record(
      `election: ${fault} of the leader → new leader`,
      (await until('a new leader', () => ownedNow(other).has('leader'), wait)) - at,
    );
    const back = elect(leader.id);
    // The next fault waits for it to run: a candidate that is still loading has not seen the Lease yet.
    await until('the returned elector to report', () => back.lines.length > 0, wait);
    electorsUsed.push(back);
    electors = [other, back];
  }
  for (const r of electors) r.child.kill('SIGTERM');
  await Promise.all(electors.map((r) => r.exited));
  sampling.abort();
  check('election', electorsUsed, await electSamples, () => 'gitops-agent-leader');

  // Sharding.
  const shardNs = await namespace('bench-shards');
  const shardSampling = new AbortController();
  const shardSamples = sampleLeases(
    client,
    shardNs,
    'gitops-agent.io/lease=target',
    100,
    shardSampling.signal,
  );
  const shard = (id: string) => track(spawnReplica(spec('shards', shardNs, id)));
  let replicas = ['replica-a', 'replica-b', 'replica-c'].map(shard);
  const used = [...replicas];
  await until('30 targets settled on three replicas', () => settledOn(replicas, targets), wait);
  const faults = ['kill -9', 'SIGSTOP', 'SIGTERM'] as const;
  for (let i = 0; i < trials * faults.length; i++) {
    const fault = faults[i % faults.length]!;
    await pause(Math.random() * timing.retryPeriodMs * 2);
    const victim = replicas[Math.floor(Math.random() * replicas.length)]!;
    const rest = replicas.filter((r) => r !== victim);
    const at = leaseNow();
    if (fault === 'kill -9') kill9(victim);
    else victim.child.kill(fault);
    record(
      `shards: ${fault} of a replica → its targets held again`,
      (await until('the others to settle', () => settledOn(rest, targets), wait)) - at,
    );
    let back: Replica;
    if (fault === 'SIGSTOP') {
      victim.child.kill('SIGCONT');
      back = victim;
    } else {
      if (fault === 'SIGTERM') expect((await victim.exited).code === 0, `${victim.id} exited 0 on SIGTERM`);
      back = shard(victim.id);
      used.push(back);
    }
    const backAt = leaseNow();
    replicas = [...rest, back];
    const settledAt = await until('all three to settle', () => settledOn(replicas, targets), wait).catch(
      (err: Error) => {
        for (const r of replicas)
          console.log(
            `${r.id}: owns ${[...ownedNow(r)].join(' ')}; stderr: ${r.stderr.join('').slice(-600)}`,
          );
        throw err;
      },
    );
    // From its first report: a restarted process takes seconds just to load on a busy machine.
    const firstLine = back.lines.find((l) => l.t >= backAt)?.t ?? backAt;
    record(`shards: after ${fault}, the replica back (first report) → settled`, settledAt - firstLine);
  }
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
  shardSampling.abort();
  check('shards', used, await shardSamples, (t) => targetLeaseRef(t, shardNs).name);

  const t = timing;
  console.log(
    `\nLease timing ${t.leaseDurationSeconds} s / ${t.renewDeadlineMs / 1000} s / ${t.retryPeriodMs / 1000} s, ${trials} trials per fault`,
  );
  console.log('| fault | trials | median ms | max ms |\n| --- | --- | --- | --- |');
  for (const [row, ms] of figures) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = (sorted[Math.floor((ms.length - 1) / 2)]! + sorted[Math.ceil((ms.length - 1) / 2)]!) / 2;
    console.log(`| ${row} | ${ms.length} | ${Math.round(median)} | ${Math.round(sorted.at(-1)!)} |`);
  }
} finally {
  for (const r of all) r.child.kill('SIGKILL');
  client.close();
  await cp.stop();
}

function spec(mode: ReplicaSpec['mode'], ns: string, identity: string): ReplicaSpec {
  return {
    mode,
    kubeconfig: cp.kubeconfig,
    namespace: ns,
    identity,
    group: 'gitops-agent',
    targets,
    timing,
    sampleMs: 50,
  };
}

function track(r: Replica): Replica {
  all.push(r);
  return r;
}

function check(
  what: string,
  replicas: Replica[],
  samples: Awaited<ReturnType<typeof sampleLeases>>,
  lease: (t: string) => string,
): void {
  const o = overlaps(replicas);
  const c = contradictions(replicas, samples, lease);
  const claims = replicas.reduce((n, r) => n + r.lines.length, 0);
  console.log(
    `${what}: ${replicas.length} replica processes, ${claims} reported states, ${samples.length} Lease samples: ${o.length} overlapping claims, ${c.length} claims the API contradicts`,
  );
  for (const [a, b] of o.slice(0, 5)) console.log(`  overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
  for (const line of c.slice(0, 5)) console.log(`  contradiction: ${line}`);
  if (o.length || c.length) process.exitCode = 1;
}

function expect(ok: boolean, what: string): void {
  if (!ok) {
    console.log(`FAILED: ${what}`);
    process.exitCode = 1;
  }
}

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  });
  return name;
}
