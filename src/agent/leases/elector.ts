import { setTimeout as sleep } from 'node:timers/promises';
import type { GuardedOwnership, WriteGuard } from '../ownership.ts';
import type { KubeClient } from '../../kube/client.ts';
import { LeaseLock, leaseNow } from '../../kube/lease.ts';
import { LEASE_ROLE_LABEL } from '../../sync/lock.ts';
import { Holdings } from './holdings.ts';
import { defaultLeaseOwnershipOptions, nextTry, type LeaseOwnershipOptions } from './options.ts';

/** Options of LeaderElection: the shared Lease options plus the targets the leader writes for. */
export interface ElectionOptions extends LeaseOwnershipOptions {
  /** The configured target names; the leader owns all of them. */
  targets: () => Iterable<string>;
  /** Name of the Lease. Default `<group>-leader`. */
  leaseName: string;
}

/**
 * Leader election on one Lease, as client-go's leaderelection does it: every replica tries every retryPeriod,
 * one holds the Lease and renews it, and the others take over once it has not been renewed for its duration.
 * The leader owns every target until its renew deadline runs out, which comes before anyone may take over.
 */
export class LeaderElection implements GuardedOwnership {
  readonly identity: string;
  readonly #opts: ElectionOptions;
  readonly #lock: LeaseLock;
  readonly #holdings: Holdings;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #released: Promise<void> | undefined;

  constructor(client: KubeClient, options: Partial<ElectionOptions> & Pick<ElectionOptions, 'targets'>) {
    const base = defaultLeaseOwnershipOptions();
    this.#opts = { ...base, leaseName: `${options.group ?? base.group}-leader`, ...options };
    this.identity = this.#opts.identity;
    this.#lock = new LeaseLock(
      client,
      { namespace: this.#opts.namespace, name: this.#opts.leaseName },
      this.identity,
      { timing: this.#opts.timing, labels: { [LEASE_ROLE_LABEL]: 'leader' } },
    );
    this.#holdings = new Holdings(() => {
      const until = this.#lock.heldUntil();
      return new Map(until === undefined ? [] : [...this.#opts.targets()].map((t) => [t, until]));
    });
  }

  /** Campaigns from now on: resolves after the first try, then keeps going until the signal or release(). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#loop) throw new Error('LeaderElection.start() was already called');
    const stop = AbortSignal.any([signal, this.#stop.signal]);
    // The agent awaits release() itself and reports its failure; this copy must not become an unhandled rejection.
    signal.addEventListener('abort', () => void this.release().catch(() => undefined), { once: true });
    let tried = leaseNow();
    await this.#try(stop);
    this.#loop = (async () => {
      while (!stop.aborted) {
        const other = this.#lock.otherHolder();
        const delay = nextTry(this.#opts.timing, tried, leaseNow(), other ? [other.expiresAt] : []);
        await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
        tried = leaseNow();
        if (!stop.aborted) await this.#try(stop);
      }
    })();
  }

  /** Whether this replica leads now. */
  isLeader(): boolean {
    return this.#lock.holds();
  }

  /** The identity of the leader as last seen, this replica's own when it leads. */
  leader(): string | undefined {
    return this.isLeader() ? this.identity : this.#lock.otherHolder()?.holder;
  }

  /** Until when (leaseNow() milliseconds) this replica may act as leader; undefined when it does not lead. */
  leadsUntil(): number | undefined {
    return this.#lock.heldUntil();
  }

  /** True while this replica leads and the target is configured. */
  owns(target: string): boolean {
    return this.#holdings.owns(target);
  }

  /** Called whenever the set of owned targets changes: all of them on election, none on losing it. */
  onChange(listener: (owned: ReadonlySet<string>) => void): void {
    this.#holdings.onChange(listener);
  }

  /** Starts a write for a target while leading. */
  begin(target: string): WriteGuard | undefined {
    return this.#holdings.begin(target);
  }

  /** Stops taking work, waits for the writes in flight, then releases and deletes the Lease (unless another replica took it first), so another replica leads at once. */
  release(): Promise<void> {
    this.#released ??= (async () => {
      await this.#holdings.drain();
      this.#stop.abort();
      await this.#loop;
      this.#lock.drop();
      this.#holdings.refresh();
      this.#holdings.close();
      await this.#lock.retire().catch((e: Error) => this.#opts.onError(e, 'release leader Lease'));
    })();
    return this.#released;
  }

  async #try(signal: AbortSignal): Promise<void> {
    const attempt = await this.#lock.tryAcquireOrRenew(signal);
    if (attempt.type === 'failed' && !signal.aborted)
      this.#opts.onError(attempt.error, `acquire or renew ${this.#lock.ref.name}`);
    this.#holdings.refresh();
  }
}
