// A replica in its own process, so a test can kill -9 it for real: `node leases-replica.ts '<json options>'`.
// It takes part in leader election ("elect") or target sharding ("shards") and prints one JSON line per
// ownership change and every sampleMs: {t, id, owned: {target: until}} with leaseNow() times, so the test can
// prove from the replicas' own views that no two ever claimed one target at once. SIGTERM releases and exits 0.
import { KubeClient } from '../../../src/kube/client.ts';
import { leaseNow } from '../../../src/kube/lease.ts';
import { LeaderElection } from '../../../src/agent/leases/elector.ts';
import { ShardedOwnership } from '../../../src/agent/leases/shards.ts';

/** What the parent passes as argv[2]. */
export interface ReplicaSpec {
  mode: 'elect' | 'shards';
  kubeconfig: string;
  namespace: string;
  identity: string;
  group: string;
  targets: string[];
  timing: { leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number };
  sampleMs: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ReplicaSpec;
const client = KubeClient.load(spec.kubeconfig);
const common = {
  identity: spec.identity,
  namespace: spec.namespace,
  group: spec.group,
  timing: spec.timing,
  onError: (err: Error, what: string) => process.stderr.write(`${spec.identity}: ${what}: ${err.message}\n`),
};
let owned: () => Map<string, number>;
let ownership: LeaderElection | ShardedOwnership;
if (spec.mode === 'elect') {
  const election = new LeaderElection(client, { ...common, targets: () => ['leader'] });
  owned = () => {
    const until = election.leadsUntil();
    return new Map(until === undefined ? [] : [['leader', until]]);
  };
  ownership = election;
} else {
  const shards = new ShardedOwnership(client, {
    ...common,
    targets: () => spec.targets.map((name) => ({ name, inventoryNamespace: spec.namespace })),
  });
  owned = () => shards.ownedUntil();
  ownership = shards;
}

const print = (event: string) => {
  const line = { t: leaseNow(), id: spec.identity, event, owned: Object.fromEntries(owned()) };
  process.stdout.write(JSON.stringify(line) + '\n');
};
ownership.onChange(() => print('change'));
const sampler = setInterval(() => print('sample'), spec.sampleMs);
const stop = new AbortController();
process.on('SIGTERM', () => {
  void (async () => {
    await ownership.release();
    clearInterval(sampler);
    print('released');
    client.close();
    process.exit(0);
  })();
});
await ownership.start(stop.signal);
print('started');
