import { raceAbort } from '../core/abort.ts';
import type { GitAuth } from '../core/types.ts';
import { authHeaders, secretsOf, splitUrlCredentials } from './auth.ts';
import { callDeadline, toSourceError } from './errors.ts';
import { DEFAULT_SOURCE_OPTIONS, type GitAuthReader } from './options.ts';
import { createHttpClient, listRemoteRefs } from './remote.ts';

/** Which ref of which remote to look up, with the same credentials and deadline as a fetch. */
export interface ResolveCommitOptions {
  /** Repository URL (http or https); credentials embedded in it are moved to `auth` and never logged. */
  url: string;
  /** Full ref name, e.g. `refs/heads/feature`. */
  ref: string;
  /** HTTP basic credentials, or a reader asked for them once per call. */
  auth?: GitAuth | GitAuthReader;
  /** Stops the lookup when aborted, with an error saying so; the deadline `timeoutMs` applies as well. */
  signal?: AbortSignal;
  /** Deadline for the ref listing, in milliseconds; default that of a fetch (60 s). */
  timeoutMs?: number;
}

/**
 * The commit `ref` points at on the remote (an annotated tag peeled), from one GET of its ref advertisement,
 * fetching nothing; `undefined` when the remote has no such ref. A failure is a retryable source AgentError
 * that names the URL and no secret, as `fetchSource` reports it.
 */
export async function resolveRemoteCommit(options: ResolveCommitOptions): Promise<string | undefined> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_OPTIONS.timeoutMs;
  const given = typeof options.auth === 'function' ? await options.auth() : options.auth;
  const { url, auth } = splitUrlCredentials(options.url, given);
  const { signal, failure } = callDeadline({
    url,
    secrets: secretsOf(auth),
    timeoutMs,
    aborted: options.signal,
    action: 'listing the refs of',
  });
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    const listing = listRemoteRefs({ http: createHttpClient(signal), url, headers: authHeaders(auth) });
    const found = (await raceAbort(listing, signal)).find((r) => r.ref === options.ref);
    return found && (found.peeled ?? found.oid);
  } catch (err) {
    throw toSourceError(err, failure);
  }
}
