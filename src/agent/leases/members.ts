import { createHash } from 'node:crypto';
import type { KubeClient } from '../../kube/client.ts';
import { LeaseLock, deleteLease, leaseNow, listLeases } from '../../kube/lease.ts';
import { LEASE_ROLE_LABEL } from '../../sync/lock.ts';
import type { LeaseOwnershipOptions } from './options.ts';

/** Label naming the agent group of a member Lease. */
export const GROUP_LABEL = 'gitops-agent.io/group';

// A member Lease nobody renewed for this many durations is deleted by any live replica (pods come and go).
const STALE_DURATIONS = 20;

/**
 * The replicas of one agent group: each announces itself with a member Lease (`<group>-member-…`, renewed like
 * any Lease) and reads the others from one labelled LIST. A member is live while its Lease has a holder that
 * has not let it expire, by the same rule a candidate uses before taking a Lease over.
 */
export class Membership {
  readonly #client: KubeClient;
  readonly #opts: LeaseOwnershipOptions;
  readonly #own: LeaseLock;
  readonly #seen = new Map<string, LeaseLock>();

  constructor(client: KubeClient, opts: LeaseOwnershipOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#own = this.#observer(memberLeaseName(opts.group, opts.identity), opts.identity);
  }

  /** Renews this replica's member Lease; true while it holds it. */
  async renew(signal: AbortSignal): Promise<boolean> {
    const attempt = await this.#own.tryAcquireOrRenew(signal);
    if (attempt.type === 'failed')
      this.#opts.onError(attempt.error, `renew member Lease ${this.#own.ref.name}`);
    return this.#own.holds();
  }

  /** Lists the member Leases and returns the identities of the live members, this one included while it holds its own. */
  async live(signal: AbortSignal): Promise<string[]> {
    const readAt = leaseNow();
    const selector = `${LEASE_ROLE_LABEL}=member,${GROUP_LABEL}=${this.#opts.group}`;
    try {
      const leases = await listLeases(this.#client, this.#opts.namespace, selector, signal);
      const names = new Set(leases.map((l) => l.metadata.name));
      for (const lease of leases) {
        if (lease.metadata.name === this.#own.ref.name) continue;
        const seen = this.#seen.get(lease.metadata.name) ?? this.#observer(lease.metadata.name, undefined);
        this.#seen.set(lease.metadata.name, seen);
        seen.observe(lease, readAt);
      }
      for (const name of this.#seen.keys()) if (!names.has(name)) this.#seen.delete(name);
      await this.#collect(leases, signal);
    } catch (err) {
      this.#opts.onError(err as Error, 'list member Leases');
    }
    const now = leaseNow();
    const others = [...this.#seen.values()].flatMap((l) => l.otherHolder(now)?.holder ?? []);
    return [...new Set([...(this.#own.holds(now) ? [this.#opts.identity] : []), ...others])].sort();
  }

  /** When the claims of the other members seen last run out. */
  expiries(): number[] {
    return [...this.#seen.values()].flatMap((l) => l.otherHolder()?.expiresAt ?? []);
  }

  /** Gives up and deletes this replica's member Lease, so the others rebalance at once. */
  release(signal?: AbortSignal): Promise<void> {
    return this.#own.retire(signal);
  }

  // Member Leases of replicas that were killed long ago; the resourceVersion precondition spares a revived one.
  async #collect(leases: Awaited<ReturnType<typeof listLeases>>, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    for (const lease of leases) {
      const renewed = Date.parse(lease.spec.renewTime ?? '');
      const duration = (lease.spec.leaseDurationSeconds ?? this.#opts.timing.leaseDurationSeconds) * 1000;
      if (!Number.isFinite(renewed) || now - renewed < STALE_DURATIONS * duration) continue;
      if (lease.metadata.name === this.#own.ref.name || !lease.metadata.resourceVersion) continue;
      await deleteLease(this.#client, lease.metadata, lease.metadata.resourceVersion, signal);
    }
  }

  #observer(name: string, identity: string | undefined): LeaseLock {
    return new LeaseLock(
      this.#client,
      { namespace: this.#opts.namespace, name },
      // An observer never writes: an identity no replica has keeps every holder "other".
      identity ?? `${this.#opts.identity}/observer`,
      {
        timing: this.#opts.timing,
        labels: { [LEASE_ROLE_LABEL]: 'member', [GROUP_LABEL]: this.#opts.group },
      },
    );
  }
}

/** The member Lease of an identity: `<group>-member-<identity as a DNS label>-<hash>`. */
export function memberLeaseName(group: string, identity: string): string {
  const slug = identity
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${group}-member-${slug}-${hash}`;
}
