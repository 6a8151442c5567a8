import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentError } from '../core/errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError, isNotFound } from '../kube/errors.ts';
import {
  DEFAULT_LEASE_TIMING,
  LeaseLock,
  getLease,
  leaseNow,
  type LeaseAttempt,
  type LeaseRef,
  type LeaseTiming,
} from '../kube/lease.ts';

/** Label on every Lease the agent and the CLI take, with the Lease's role as value (`target`, `member`, …). */
export const LEASE_ROLE_LABEL = 'gitops-agent.io/lease';

/** Labels of a target's Lease, by which replicas list them. */
export const TARGET_LEASE_LABELS: Readonly<Record<string, string>> = {
  [LEASE_ROLE_LABEL]: 'target',
  'app.kubernetes.io/managed-by': 'gitops-agent',
};

/** The Lease that guards a target: `gitops-agent-target-<name>`, next to its inventory parent. */
export function targetLeaseRef(target: string, inventoryNamespace: string): LeaseRef {
  return { namespace: inventoryNamespace, name: `gitops-agent-target-${target}` };
}

/** A holder identity for this process, e.g. `sync alice@laptop pid 4242`, shown to whoever has to wait. */
export function processIdentity(role: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for the uid (common in containers): the host and pid still say who it is.
  }
  return `${role} ${user}@${hostname()} pid ${process.pid}`;
}

/** Options of acquireSyncLock. */
export interface SyncLockOptions {
  /** Holder identity; a Lease already held under it (the agent's own target Lease) counts as the lock. */
  identity: string;
  /** How long to wait for another holder to finish, in ms; 0 refuses at once. Default 60000. */
  waitMs: number;
  timing: LeaseTiming;
  /** Aborts the wait, and for a borrowed lock stands for the owner's right to write. */
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else and the sync starts waiting. */
  onWait?: (holder: string) => void;
}

/** Defaults of SyncLockOptions (identity has none). */
export const DEFAULT_SYNC_LOCK_OPTIONS: Readonly<Omit<SyncLockOptions, 'identity'>> = {
  waitMs: 60_000,
  timing: DEFAULT_LEASE_TIMING,
};

/**
 * A held sync lock. `held`: this sync took the Lease and renews it until release(); `borrowed`: the Lease was
 * already held under the same identity (the agent's target Lease), so nothing is written; `none`: the
 * inventory namespace does not exist yet, so there is no inventory to protect and nowhere to put a Lease.
 * `signal` aborts when the lock is lost (the Lease could not be renewed within the renew deadline).
 */
export interface SyncLock {
  readonly mode: 'held' | 'borrowed' | 'none';
  readonly lease: LeaseRef;
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** Another sync holds the target: names the holder and the Lease; waiting longer may help. */
export class SyncLockedError extends AgentError {
  readonly code = 'SYNC_LOCKED';
  readonly holder: string;
  readonly lease: LeaseRef;

  constructor(
    target: string,
    lease: LeaseRef,
    holder: string,
    renewTime: string | undefined,
    waitedMs: number,
  ) {
    const renewed = renewTime ? `, renewed ${ago(renewTime)} ago` : '';
    super(
      'inventory',
      `target "${target}" is being synced by ${holder} (Lease ${lease.namespace}/${lease.name}${renewed}); ` +
        `waited ${Math.round(waitedMs / 1000)}s. Try again when it has finished, or wait longer (--lock-timeout).`,
      { retryable: true },
    );
    this.name = 'SyncLockedError';
    this.holder = holder;
    this.lease = lease;
  }
}

/** The sync lock could not be taken or kept for a reason other than another holder (RBAC, network). */
export class SyncLockError extends AgentError {
  readonly code = 'SYNC_LOCK_FAILED';
  readonly lease: LeaseRef;

  constructor(lease: LeaseRef, message: string, retryable: boolean, cause?: unknown) {
    super('inventory', `sync lock Lease ${lease.namespace}/${lease.name}: ${message}`, { retryable, cause });
    this.name = 'SyncLockError';
    this.lease = lease;
  }
}

/**
 * Takes the Lease of a target for the duration of one sync, waiting up to `waitMs` for another holder; throws
 * SyncLockedError naming the holder when it is still held after that. The caller must release() it.
 */
export async function acquireSyncLock(
  client: KubeClient,
  target: { name: string; inventoryNamespace: string },
  options: Partial<SyncLockOptions> & Pick<SyncLockOptions, 'identity'>,
): Promise<SyncLock> {
  const opts: SyncLockOptions = { ...DEFAULT_SYNC_LOCK_OPTIONS, ...options };
  const ref = targetLeaseRef(target.name, target.inventoryNamespace);
  const lock = new LeaseLock(client, ref, opts.identity, {
    timing: opts.timing,
    labels: TARGET_LEASE_LABELS,
  });
  const started = leaseNow();
  const seen = await getLease(client, ref, opts.signal).catch(() => undefined);
  if (seen?.spec.holderIdentity === opts.identity) return unheld('borrowed', ref, opts);
  let waiting = false;
  for (;;) {
    const attempt = await lock.tryAcquireOrRenew(opts.signal).catch((err: unknown) => failed(err));
    if (attempt.type === 'acquired' || attempt.type === 'renewed') return heldLock(lock, opts);
    if (attempt.type === 'failed') {
      if (namespaceMissing(attempt.error)) return unheld('none', ref, opts);
      const retryable = attempt.error instanceof KubeApiError && retryableStatus(attempt.error.status);
      if (!retryable || leaseNow() - started >= opts.waitMs)
        throw new SyncLockError(ref, attempt.error.message, retryable, attempt.error);
    }
    if (attempt.type === 'held') {
      const waited = leaseNow() - started;
      if (waited >= opts.waitMs)
        throw new SyncLockedError(target.name, ref, attempt.holder, attempt.lease.spec.renewTime, waited);
      if (!waiting) opts.onWait?.(attempt.holder);
      waiting = true;
    }
    const expiresIn = attempt.type === 'held' ? attempt.expiresAt - leaseNow() + 10 : Infinity;
    const remaining = opts.waitMs - (leaseNow() - started);
    const pause = Math.max(0, Math.min(opts.timing.retryPeriodMs, expiresIn, remaining));
    await sleep(attempt.type === 'lost' ? 0 : pause, undefined, { signal: opts.signal });
  }
}

// Nothing to renew or release: the Lease is borrowed from its owner, or there is none (mode `none`).
function unheld(mode: 'borrowed' | 'none', ref: LeaseRef, opts: SyncLockOptions): SyncLock {
  return {
    mode,
    lease: ref,
    signal: opts.signal ?? new AbortController().signal,
    release: async () => {},
  };
}

function heldLock(lock: LeaseLock, opts: SyncLockOptions): SyncLock {
  const lost = new AbortController();
  const stop = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const watchDeadline = () => {
    clearTimeout(deadline);
    const until = lock.heldUntil();
    if (until === undefined) return lost.abort(new SyncLockError(lock.ref, 'lost: could not renew it', true));
    deadline = setTimeout(watchDeadline, until - leaseNow() + 1);
  };
  watchDeadline();
  const renewing = (async () => {
    while (!stop.signal.aborted && !lost.signal.aborted) {
      await sleep(opts.timing.retryPeriodMs, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      // Not aborted by release(): it waits for this renewal, so it releases the version that was written.
      await lock.tryAcquireOrRenew().catch(() => undefined);
      watchDeadline();
    }
  })();
  return {
    mode: 'held',
    lease: lock.ref,
    signal: opts.signal ? AbortSignal.any([lost.signal, opts.signal]) : lost.signal,
    release: async () => {
      stop.abort();
      clearTimeout(deadline);
      await renewing;
      await lock.release();
    },
  };
}

// Creating a Lease in a namespace that does not exist answers 404 naming the namespace.
function namespaceMissing(err: Error): boolean {
  return isNotFound(err) && /namespaces "[^"]+" not found/.test(err.message);
}

function failed(err: unknown): LeaseAttempt {
  return { type: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
}

function retryableStatus(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

function ago(time: string): string {
  return `${Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000))}s`;
}
