import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_LEASE_TIMING, type LeaseTiming } from '../../kube/lease.ts';

/** A target as the Leases see it: its name and the namespace of its inventory parent (and of its Lease). */
export interface LeaseTarget {
  name: string;
  inventoryNamespace: string;
}

/** What every Lease-based ownership shares. */
export interface LeaseOwnershipOptions {
  /** This replica's holder identity. Default: `$POD_NAME` or the host name, with a random suffix per process. */
  identity: string;
  /** Namespace of the agent's own Leases (leader, members). Default `$POD_NAMESPACE`, else `default`. */
  namespace: string;
  /** Name shared by the replicas of one agent; prefixes its Lease names. Default `gitops-agent`. */
  group: string;
  timing: LeaseTiming;
  /** Told of failed Lease requests (the ownership keeps trying); default: ignored. */
  onError: (err: Error, what: string) => void;
}

/** Defaults of LeaseOwnershipOptions. */
export function defaultLeaseOwnershipOptions(): LeaseOwnershipOptions {
  return {
    identity: defaultIdentity(),
    namespace: process.env.POD_NAMESPACE || 'default',
    group: 'gitops-agent',
    timing: DEFAULT_LEASE_TIMING,
    onError: () => {},
  };
}

/** A holder identity unique to this process, as client-go's examples make one: `<pod or host>_<random>`. */
export function defaultIdentity(): string {
  return `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
}

/**
 * The delay until the next try: one retry period after the last try started (tries do not drift by their own
 * duration), or sooner when a Lease we wait for expires before that.
 */
export function nextTry(
  timing: LeaseTiming,
  lastStart: number,
  now: number,
  expiries: Iterable<number>,
): number {
  let delay = lastStart + timing.retryPeriodMs - now;
  for (const at of expiries) if (at > now) delay = Math.min(delay, at - now + 5);
  return Math.max(0, delay);
}
