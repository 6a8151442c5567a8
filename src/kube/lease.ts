import type { KubeClient } from './client.ts';
import { KubeApiError, isConflict, isNotFound } from './errors.ts';

/** Timing of a Lease, named as client-go's leaderelection names it (renewDeadline + retryPeriod < duration). */
export interface LeaseTiming {
  /** Seconds others wait after the last renewal they saw before they take the Lease over. Default 15. */
  leaseDurationSeconds: number;
  /** Milliseconds after its last successful renewal at which a holder stops acting as holder. Default 10000. */
  renewDeadlineMs: number;
  /** Milliseconds between tries to acquire or renew. Default 2000. */
  retryPeriodMs: number;
}

/** Defaults of LeaseTiming: client-go's 15 s / 10 s / 2 s. */
export const DEFAULT_LEASE_TIMING: Readonly<LeaseTiming> = {
  leaseDurationSeconds: 15,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** The spec of a coordination.k8s.io/v1 Lease; times are MicroTime strings. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A coordination.k8s.io/v1 Lease as the API server returns it. */
export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  spec: LeaseSpec;
}

/** Where a Lease lives. */
export interface LeaseRef {
  namespace: string;
  name: string;
}

/** What one try to acquire or renew found. */
export type LeaseAttempt =
  | { type: 'acquired'; lease: Lease }
  | { type: 'renewed'; lease: Lease }
  | { type: 'held'; holder: string; expiresAt: number; lease: Lease }
  | { type: 'lost'; why: 'conflict' | 'created by another' }
  | { type: 'failed'; error: Error };

/** Milliseconds on a monotonic clock that reads as Unix time, so figures of two processes compare. */
export function leaseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A time as the API server's MicroTime wants it: RFC 3339 with exactly six fraction digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Reads a Lease; `undefined` when it does not exist. */
export async function getLease(
  client: KubeClient,
  ref: LeaseRef,
  signal?: AbortSignal,
): Promise<Lease | undefined> {
  try {
    const res = await abortable(
      client.request({ method: 'GET', verb: 'LEASE', path: leasePath(ref) }),
      signal,
    );
    return res.body as Lease;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Lists the Leases of one namespace that match a label selector. */
export async function listLeases(
  client: KubeClient,
  namespace: string,
  labelSelector: string,
  signal?: AbortSignal,
): Promise<Lease[]> {
  const res = await abortable(
    client.request({
      method: 'GET',
      verb: 'LEASE',
      path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
      query: { labelSelector },
    }),
    signal,
  );
  const list = res.body as { items?: Omit<Lease, 'apiVersion' | 'kind'>[] };
  return (list.items ?? []).map((l) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...l }));
}

/** Creates a Lease; a 409 (AlreadyExists) means another candidate created it first. */
export async function createLease(client: KubeClient, lease: Lease, signal?: AbortSignal): Promise<Lease> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(lease.metadata.namespace)}/leases`;
  const res = await abortable(
    client.request({ method: 'POST', verb: 'LEASE', path, body: JSON.stringify(lease) }),
    signal,
  );
  return res.body as Lease;
}

/** Replaces a Lease guarded by its resourceVersion; a 409 (Conflict) means someone else wrote it since. */
export async function updateLease(client: KubeClient, lease: Lease, signal?: AbortSignal): Promise<Lease> {
  const res = await abortable(
    client.request({
      method: 'PUT',
      verb: 'LEASE',
      path: leasePath(lease.metadata),
      body: JSON.stringify(lease),
    }),
    signal,
  );
  return res.body as Lease;
}

/** Deletes a Lease only if it is still at the given resourceVersion; false when it changed or is gone. */
export async function deleteLease(
  client: KubeClient,
  ref: LeaseRef,
  resourceVersion: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await abortable(
      client.request({
        method: 'DELETE',
        verb: 'LEASE',
        path: leasePath(ref),
        body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion } }),
      }),
      signal,
    );
    return true;
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}

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

/** The API path of one Lease. */
export function leasePath(ref: LeaseRef): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/leases/${encodeURIComponent(ref.name)}`;
}

// The client has no AbortSignal of its own yet: an aborted wait stops waiting; the request runs to its timeout.
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new KubeApiError(0, 'Aborted', 'aborted');
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
