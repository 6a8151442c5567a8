// A Lease held as a lock with client-go's leaderelection rules; the Lease type and REST calls are in lease-api.ts.
import type { KubeClient } from './client.ts';
import { isConflict, isNotFound } from './errors.ts';
import {
  DEFAULT_LEASE_TIMING,
  createLease,
  deleteLease,
  getLease,
  leaseNow,
  microTime,
  updateLease,
  type Lease,
  type LeaseAttempt,
  type LeaseRef,
  type LeaseTiming,
} from './lease-api.ts';

export * from './lease-api.ts';

/** Options of a LeaseLock. */
export interface LeaseLockOptions {
  timing: LeaseTiming;
  /** Labels put on the Lease when it is created, so candidates can list it. Default none. */
  labels: Record<string, string>;
}

/**
 * One Lease held under one identity, by client-go's leaderelection rules: a Lease is free when it has no holder
 * or when its holder has not renewed it for leaseDurationSeconds; every write carries the resourceVersion that
 * was read, so of two candidates one wins and the other gets 409. The holder counts itself as holder only until
 * renewDeadlineMs after its last successful renewal, so it stops before anyone else may take over.
 */
export class LeaseLock {
  readonly ref: LeaseRef;
  readonly identity: string;
  readonly #client: KubeClient;
  readonly #options: LeaseLockOptions;
  #lease: Lease | undefined;
  // Local time at which the Lease was last seen to change, the start of the wait for its expiry.
  #observedAt = 0;
  // Local time at which the last successful write of ours was sent; -Infinity when we do not hold it.
  #renewedAt = -Infinity;
  // Local time at which our last write was answered: a read sent before it may show an older version.
  #writtenAt = -Infinity;

  constructor(client: KubeClient, ref: LeaseRef, identity: string, options: Partial<LeaseLockOptions> = {}) {
    this.#client = client;
    this.ref = ref;
    this.identity = identity;
    this.#options = { timing: DEFAULT_LEASE_TIMING, labels: {}, ...options };
  }

  /** The Lease as last read or written; undefined before the first read or when it does not exist. */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /** Until when (leaseNow() milliseconds) this identity may act as holder; undefined when it does not hold. */
  heldUntil(now = leaseNow()): number | undefined {
    const until = this.#renewedAt + this.#options.timing.renewDeadlineMs;
    return this.#lease?.spec.holderIdentity === this.identity && now < until ? until : undefined;
  }

  /** Whether this identity holds the Lease now. */
  holds(now = leaseNow()): boolean {
    return this.heldUntil(now) !== undefined;
  }

  /** The holder seen last and when its claim expires, if someone other than us holds it. */
  otherHolder(now = leaseNow()): { holder: string; expiresAt: number; renewTime?: string } | undefined {
    const spec = this.#lease?.spec;
    const holder = spec?.holderIdentity;
    if (!spec || !holder || holder === this.identity) return undefined;
    const expiresAt = this.#expiresAt();
    return now < expiresAt ? { holder, expiresAt, renewTime: spec.renewTime } : undefined;
  }

  /**
   * Takes in a copy of the Lease read elsewhere (e.g. by a LIST sent at `readAt`), as if this lock had read it;
   * a read sent before our last write was answered is ignored, as it may predate that write.
   */
  observe(lease: Lease | undefined, readAt = leaseNow()): void {
    if (readAt < this.#writtenAt) return;
    const now = leaseNow();
    if (lease === undefined) {
      if (this.#lease !== undefined) this.#observedAt = now;
      this.#lease = undefined;
      return;
    }
    if (lease.metadata.resourceVersion !== this.#lease?.metadata.resourceVersion) {
      this.#observedAt = now;
      this.#lease = lease;
    }
  }

  /** One step of client-go's tryAcquireOrRenew: renew what we hold, take what is free or expired, else report the holder. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<LeaseAttempt> {
    const sentAt = leaseNow();
    const wasHolding = this.holds(sentAt);
    // Fast path: the holder writes over the version it saw last, without reading first.
    if (wasHolding && this.#lease) {
      const written = await this.#write(this.#next(this.#lease, sentAt, true), sentAt, signal);
      if (written.type === 'ok') return { type: 'renewed', lease: written.lease };
      if (written.type === 'failed' && !isConflict(written.error)) return written;
    }
    let current: Lease | undefined;
    const readAt = leaseNow();
    try {
      current = await getLease(this.#client, this.ref, signal);
    } catch (err) {
      return { type: 'failed', error: asError(err) };
    }
    this.observe(current, readAt);
    if (!current) {
      try {
        const created = await createLease(this.#client, this.#fresh(sentAt), signal);
        this.#took(created, sentAt);
        return { type: 'acquired', lease: created };
      } catch (err) {
        if (isConflict(err)) return { type: 'lost', why: 'created by another' };
        return { type: 'failed', error: asError(err) };
      }
    }
    const other = this.otherHolder();
    if (other) return { type: 'held', holder: other.holder, expiresAt: other.expiresAt, lease: current };
    const ours = current.spec.holderIdentity === this.identity;
    const written = await this.#write(this.#next(current, sentAt, ours), sentAt, signal);
    if (written.type === 'ok') return { type: wasHolding ? 'renewed' : 'acquired', lease: written.lease };
    if (written.type === 'failed' && isConflict(written.error)) return { type: 'lost', why: 'conflict' };
    return written;
  }

  /** Stops acting as holder at once, without writing; the Lease then expires unless released. */
  drop(): void {
    this.#renewedAt = -Infinity;
  }

  /**
   * Gives the Lease up so another candidate can take it at once, as client-go's ReleaseOnCancel does: holder
   * cleared, duration 1 s. Stops acting as holder before the write; a no-op when the Lease is not ours.
   */
  async release(signal?: AbortSignal): Promise<void> {
    this.drop();
    // A renewal abandoned by an abort may still have landed, so a conflict is read again before giving up.
    for (let attempt = 0; attempt < 3; attempt++) {
      const lease = this.#lease;
      if (!lease || lease.spec.holderIdentity !== this.identity) return;
      const now = leaseNow();
      const released: Lease = {
        ...lease,
        spec: {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: lease.spec.leaseTransitions ?? 0,
        },
      };
      try {
        this.#lease = await updateLease(this.#client, released, signal);
        this.#observedAt = this.#writtenAt = leaseNow();
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
      this.#lease = await getLease(this.#client, this.ref, signal);
      this.#observedAt = leaseNow();
    }
  }

  /**
   * Releases the Lease, then deletes it unless another candidate took it in between (the resourceVersion
   * precondition), so a replica that shuts down for good (helm uninstall) leaves no Lease of its own behind.
   */
  async retire(signal?: AbortSignal): Promise<void> {
    await this.release(signal);
    const lease = this.#lease;
    if (lease?.metadata.resourceVersion && !lease.spec.holderIdentity)
      await deleteLease(this.#client, this.ref, lease.metadata.resourceVersion, signal);
  }

  // When another holder's claim runs out: leaseDurationSeconds after its renewal. The renewal time is taken
  // from the record only within a small credit before our own observation, so a holder whose clock is behind
  // cannot make its Lease look older than it is by more than that credit (client-go trusts only the local
  // observation; the credit lets a candidate that polls every retryPeriod take over within the duration).
  #expiresAt(): number {
    const spec = this.#lease?.spec ?? {};
    const { leaseDurationSeconds: duration, renewDeadlineMs, retryPeriodMs } = this.#options.timing;
    const seconds = spec.leaseDurationSeconds ?? duration;
    const credit = Math.max(0, Math.min(retryPeriodMs, (duration * 1000 - renewDeadlineMs) / 2));
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
    const start = Number.isFinite(renewed)
      ? Math.min(this.#observedAt, Math.max(renewed, this.#observedAt - credit))
      : this.#observedAt;
    return start + seconds * 1000;
  }

  #fresh(now: number): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...this.ref, labels: this.#options.labels },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.#options.timing.leaseDurationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      },
    };
  }

  // The record to write: a renewal keeps acquireTime and leaseTransitions, a takeover counts one more transition.
  #next(current: Lease, now: number, renewal: boolean): Lease {
    const spec = current.spec;
    return {
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...this.#options.labels } },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.#options.timing.leaseDurationSeconds,
        acquireTime: renewal && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (renewal ? 0 : 1),
      },
    };
  }

  async #write(
    lease: Lease,
    sentAt: number,
    signal: AbortSignal | undefined,
  ): Promise<{ type: 'ok'; lease: Lease } | { type: 'failed'; error: Error }> {
    try {
      const written = await updateLease(this.#client, lease, signal);
      this.#took(written, sentAt);
      return { type: 'ok', lease: written };
    } catch (err) {
      return { type: 'failed', error: asError(err) };
    }
  }

  #took(lease: Lease, sentAt: number): void {
    this.#lease = lease;
    this.#observedAt = this.#writtenAt = leaseNow();
    this.#renewedAt = sentAt;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
