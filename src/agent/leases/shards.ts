import { setTimeout as sleep } from 'node:timers/promises';
import type { GuardedOwnership, WriteGuard } from '../ownership.ts';
import type { KubeClient } from '../../kube/client.ts';
import { LeaseLock, leaseNow, listLeases } from '../../kube/lease.ts';
import { LEASE_ROLE_LABEL, TARGET_LEASE_LABELS, targetLeaseRef } from '../../sync/lock.ts';
import { assignedTo } from './assign.ts';
import { Holdings } from './holdings.ts';
import { Membership } from './members.ts';
import {
  defaultLeaseOwnershipOptions,
  nextTry,
  type LeaseOwnershipOptions,
  type LeaseTarget,
} from './options.ts';

/** Options of ShardedOwnership: the shared Lease options plus the targets to share out. */
export interface ShardingOptions extends LeaseOwnershipOptions {
  /** The configured targets, read on every round so a reloaded config is followed. */
  targets: () => Iterable<LeaseTarget>;
}

/**
 * Targets shared out among the live replicas of an agent group. Every retryPeriod each replica renews its
 * member Lease, lists the live members and the target Leases, assigns targets by rendezvous hashing over the
 * live members' identities, and then holds exactly the targets assigned to it through each target's own Lease
 * (`gitops-agent-target-<name>`, the same Lease a CLI sync takes as its lock): taken only when free or expired,
 * renewed while assigned, released when no longer assigned. It writes for a target only while it holds that
 * Lease and until the renew deadline, so a target never has two writers, also while replicas join and die.
 */
export class ShardedOwnership implements GuardedOwnership {
  readonly identity: string;
  readonly #client: KubeClient;
  readonly #opts: ShardingOptions;
  readonly #members: Membership;
  readonly #locks = new Map<string, LeaseLock>();
  readonly #holdings: Holdings;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #released: Promise<void> | undefined;
  #draining = false;

  constructor(
    client: KubeClient,
    options: Partial<LeaseOwnershipOptions> & Pick<ShardingOptions, 'targets'>,
  ) {
    this.#client = client;
    this.#opts = { ...defaultLeaseOwnershipOptions(), ...options };
    this.identity = this.#opts.identity;
    this.#members = new Membership(client, this.#opts);
    this.#holdings = new Holdings(() => this.#deadlines());
  }

  /** Takes part from now on: resolves after the first round, then keeps going until the signal or release(). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#loop) throw new Error('ShardedOwnership.start() was already called');
    const stop = AbortSignal.any([signal, this.#stop.signal]);
    // The agent awaits release() itself and reports its failure; this copy must not become an unhandled rejection.
    signal.addEventListener('abort', () => void this.release().catch(() => undefined), { once: true });
    let roundAt = leaseNow();
    await this.#round(stop);
    this.#loop = (async () => {
      while (!stop.aborted) {
        const expiries = [...this.#members.expiries(), ...this.#waitingFor()];
        const delay = nextTry(this.#opts.timing, roundAt, leaseNow(), expiries);
        await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
        roundAt = leaseNow();
        if (!stop.aborted) await this.#round(stop);
      }
    })();
  }

  /** True while this replica holds the target's Lease, within its renew deadline. */
  owns(target: string): boolean {
    return this.#holdings.owns(target);
  }

  /** The targets owned now, each with the time (leaseNow() milliseconds) until which it may be written. */
  ownedUntil(): Map<string, number> {
    const now = leaseNow();
    return new Map([...this.#deadlines()].filter(([, until]) => now < until));
  }

  /** Called whenever the set of owned targets changes, with the new set. */
  onChange(listener: (owned: ReadonlySet<string>) => void): void {
    this.#holdings.onChange(listener);
  }

  /** Starts a write for an owned target; a rebalance keeps the target until end(). */
  begin(target: string): WriteGuard | undefined {
    return this.#holdings.begin(target);
  }

  /**
   * Stops taking targets, waits for the writes in flight (their Leases are still renewed meanwhile), then
   * releases every target Lease and the member Lease, so the other replicas take over at once.
   */
  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#draining = true;
      await this.#holdings.drain();
      this.#stop.abort();
      await this.#loop;
      const held = [...this.#locks.values()];
      for (const lock of held) lock.drop();
      this.#holdings.refresh();
      this.#holdings.close();
      await Promise.all([
        ...held.map((l) => l.release().catch((e: Error) => this.#opts.onError(e, `release ${l.ref.name}`))),
        this.#members.release().catch((e: Error) => this.#opts.onError(e, 'release member Lease')),
      ]);
    })();
    return this.#released;
  }

  // One round: membership, the target Leases as they are, then release what moved away and take what is ours.
  async #round(signal: AbortSignal): Promise<void> {
    const member = await this.#members.renew(signal);
    const live = await this.#members.live(signal);
    const targets = [...this.#opts.targets()];
    for (const t of targets) this.#lock(t);
    await this.#observe(targets, signal);
    const names = new Set(targets.map((t) => t.name));
    const mine = member && !this.#draining ? assignedTo(this.identity, live, names) : new Set<string>();
    const work: Promise<unknown>[] = [];
    for (const [name, lock] of this.#locks) {
      const busy = this.#holdings.busy(name);
      if (mine.has(name) || (busy && lock.holds())) {
        // A Lease the LIST showed held by someone else is not worth a GET before it expires.
        if (!lock.otherHolder()) work.push(this.#tryTake(lock, signal));
      } else if (lock.lease?.spec.holderIdentity === this.identity) {
        lock.drop();
        this.#holdings.refresh();
        work.push(lock.release(signal).catch((e: Error) => this.#opts.onError(e, `release ${name}`)));
      }
      if (!names.has(name) && !busy && !lock.holds()) this.#locks.delete(name);
    }
    await Promise.all(work);
    this.#holdings.refresh();
  }

  async #tryTake(lock: LeaseLock, signal: AbortSignal): Promise<void> {
    const attempt = await lock.tryAcquireOrRenew(signal);
    if (attempt.type === 'failed' && !signal.aborted)
      this.#opts.onError(attempt.error, `acquire or renew ${lock.ref.namespace}/${lock.ref.name}`);
  }

  // One LIST per inventory namespace instead of a GET per target: every replica sees every target Lease change.
  async #observe(targets: LeaseTarget[], signal: AbortSignal): Promise<void> {
    const selector = `${LEASE_ROLE_LABEL}=${TARGET_LEASE_LABELS[LEASE_ROLE_LABEL]}`;
    const namespaces = new Set(targets.map((t) => t.inventoryNamespace));
    await Promise.all(
      [...namespaces].map(async (ns) => {
        const readAt = leaseNow();
        try {
          const leases = new Map(
            (await listLeases(this.#client, ns, selector, signal)).map((l) => [l.metadata.name, l]),
          );
          for (const t of targets)
            if (t.inventoryNamespace === ns)
              this.#lock(t).observe(leases.get(this.#lock(t).ref.name), readAt);
        } catch (err) {
          if (!signal.aborted) this.#opts.onError(err as Error, `list target Leases in ${ns}`);
        }
      }),
    );
  }

  #lock(target: LeaseTarget): LeaseLock {
    const ref = targetLeaseRef(target.name, target.inventoryNamespace);
    let lock = this.#locks.get(target.name);
    if (!lock || lock.ref.namespace !== ref.namespace) {
      lock = new LeaseLock(this.#client, ref, this.identity, {
        timing: this.#opts.timing,
        labels: { ...TARGET_LEASE_LABELS },
      });
      this.#locks.set(target.name, lock);
    }
    return lock;
  }

  #deadlines(): Map<string, number> {
    const now = leaseNow();
    const out = new Map<string, number>();
    for (const [name, lock] of this.#locks) {
      const until = lock.heldUntil(now);
      if (until !== undefined) out.set(name, until);
    }
    return out;
  }

  // Expiries of target Leases held by others: the next round is timed to the first of them.
  #waitingFor(): number[] {
    return [...this.#locks.values()].flatMap((l) => l.otherHolder()?.expiresAt ?? []);
  }
}
