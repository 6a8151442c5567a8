// The coordination.k8s.io/v1 Lease: its types, and the REST calls on one Lease, each guarded as the API allows.
import { raceAbort } from '../core/abort.ts';
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

/** The API path of one Lease. */
export function leasePath(ref: LeaseRef): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/leases/${encodeURIComponent(ref.name)}`;
}

// The client has no AbortSignal of its own yet: an aborted wait stops waiting; the request runs to its timeout.
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? raceAbort(promise, signal, abortError) : promise;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new KubeApiError(0, 'Aborted', 'aborted');
}
