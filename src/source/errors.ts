import { AgentError } from '../core/errors.ts';
import { redact } from './auth.ts';

/** What a failed step was doing, for the message, and what must be kept out of it. */
export interface FailureContext {
  /** Repository URL without credentials. */
  url: string;
  secrets: readonly string[];
  signal: AbortSignal;
  /** The caller's own signal, when it gave one: its abort is reported as such, not as a timeout. */
  aborted?: AbortSignal;
  timeoutMs: number;
  /** What was being done to `url`, e.g. `fetching`; the message reads `<action> <url> failed: …`. */
  action?: string;
}

const remoteErrors = new WeakSet<object>();
// isomorphic-git errors that describe what the server sent, as opposed to what the cache holds.
const REMOTE_CODES = new Set([
  'HttpError',
  'SmartHttpError',
  'EmptyServerResponseError',
  'UnknownTransportError',
  'RemoteCapabilityError',
]);

/** Marks `err` as coming from the network, so that it is never blamed on the cache; returns it. */
export function markRemote(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) remoteErrors.add(err);
  return err;
}

/** Whether `err` points at a damaged cache rather than at the remote, the deadline or the manifests. */
export function isCacheFailure(err: unknown, timedOut: boolean): boolean {
  if (err instanceof AgentError || timedOut) return false;
  if (typeof err !== 'object' || err === null || remoteErrors.has(err)) return false;
  return !REMOTE_CODES.has((err as { code?: string }).code ?? '');
}

/** Turns a failure into a retryable AgentError whose message names the URL but no secret. */
export function toSourceError(err: unknown, ctx: FailureContext): AgentError {
  if (err instanceof AgentError) return err;
  const message = redact(describe(err, ctx), ctx.secrets);
  return new AgentError('source', message, { retryable: true, cause: sanitize(err, ctx.secrets) });
}

function describe(err: unknown, ctx: FailureContext): string {
  const action = ctx.action ?? 'fetching';
  if (ctx.aborted?.aborted && (err === ctx.aborted.reason || remoteOrAbort(err, ctx.signal))) {
    return `${action} ${ctx.url} was aborted`;
  }
  if (ctx.signal.aborted && remoteOrAbort(err, ctx.signal)) {
    return `${action} ${ctx.url} timed out after ${ctx.timeoutMs} ms`;
  }
  const e = err as {
    code?: string;
    message?: string;
    data?: { statusCode?: number; statusMessage?: string };
  };
  if (e.code === 'HttpError') {
    const status = e.data?.statusCode;
    const text = `HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim();
    if (status === 401 || status === 403) return `authentication to ${ctx.url} failed (${text})`;
    if (status === 404)
      return `repository ${ctx.url} not found or not readable with these credentials (${text})`;
    return `${action} ${ctx.url} failed: ${text}`;
  }
  const detail = e.code && !e.message?.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  return `${action} ${ctx.url} failed: ${detail ?? String(err)}`;
}

function remoteOrAbort(err: unknown, signal: AbortSignal): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return (
    err === signal.reason ||
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    remoteErrors.has(err as object)
  );
}

// The original error may carry request headers or URLs with credentials, so only a scrubbed copy is kept.
function sanitize(err: unknown, secrets: readonly string[]): Error {
  const e = err as { name?: string; code?: string; message?: string };
  const copy = new Error(redact(e.message ?? String(err), secrets));
  copy.name = e.name ?? 'Error';
  if (e.code) Object.assign(copy, { code: e.code });
  return copy;
}

/**
 * The deadline of one call to a remote (`timeoutMs`, and the caller's `aborted` when given) and the failure
 * context its errors are reported with.
 */
export function callDeadline(opts: {
  url: string;
  secrets: readonly string[];
  timeoutMs: number;
  aborted?: AbortSignal;
  action?: string;
}): { signal: AbortSignal; failure: FailureContext } {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.aborted ? AbortSignal.any([deadline, opts.aborted]) : deadline;
  return { signal, failure: { ...opts, signal } };
}
