import { soleOwner, type TargetOwnership } from '../ownership.ts';
import type { KubeClient } from '../../kube/client.ts';
import { LeaderElection } from './elector.ts';
import { ShardedOwnership } from './shards.ts';
import type { LeaseOwnershipOptions, LeaseTarget } from './options.ts';

/** How replicas share the targets: one replica alone, one leader for all, or targets sharded across replicas. */
export type ReplicaMode = 'single' | 'leader' | 'shards';

/** The TargetOwnership of a mode; `targets` is read on every round, so a reloaded config is followed. */
export function createOwnership(
  mode: ReplicaMode,
  client: KubeClient,
  targets: () => Iterable<LeaseTarget>,
  options: Partial<LeaseOwnershipOptions> = {},
): TargetOwnership {
  const names = () => [...targets()].map((t) => t.name);
  if (mode === 'single') return soleOwner(names);
  if (mode === 'leader') return new LeaderElection(client, { ...options, targets: names });
  return new ShardedOwnership(client, { ...options, targets });
}
