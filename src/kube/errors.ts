/** An error answer from the API server (or a failure to reach it), with its HTTP status and Status reason. */
export class KubeApiError extends Error {
  /** HTTP status; 0 when the server could not be reached or did not answer in time. */
  readonly status: number;
  /** The `reason` of the Kubernetes Status object, e.g. `NotFound`, `Conflict`, `Invalid`. */
  readonly reason: string;
  /** Field causes of an Invalid answer, as the API server lists them. */
  readonly causes: { field?: string; message?: string; reason?: string }[];

  constructor(status: number, reason: string, message: string, causes: KubeApiError['causes'] = []) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.causes = causes;
  }
}

/** Builds a KubeApiError from a response body, which is a Status object for most errors. */
export function errorFromResponse(method: string, path: string, status: number, body: unknown): KubeApiError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as {
    reason?: string;
    message?: string;
    details?: { causes?: KubeApiError['causes'] };
  };
  const message = s.message ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`);
  return new KubeApiError(
    status,
    s.reason ?? `HTTP${status}`,
    `${method} ${path}: ${message}`,
    s.details?.causes,
  );
}

/** Whether the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** Whether the write conflicted (another field manager, or a stale resourceVersion). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

/** Whether the API server refused the object as invalid (422). */
export function isInvalid(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 422;
}

/** Whether the server refused a change to a field that cannot change after creation. */
export function isImmutable(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.status !== 422) return false;
  return /field is immutable|is immutable|may not change once set/i.test(err.message);
}

// Answers that describe the object, not the server's state, whatever HTTP code carries them: server-side apply
// answers a field missing from the schema with 500 InternalError "failed to create typed patch object".
const PERMANENT_MESSAGE =
  /field not declared in schema|failed to create typed patch object|strict decoding error|unknown field/i;
const TRANSIENT_REASONS = new Set([
  'NetworkError',
  'Timeout',
  'ServerTimeout',
  'TooManyRequests',
  'ServiceUnavailable',
  'InternalError',
]);

/** Whether a write failed because another field manager owns the fields (server-side apply conflict). */
export function isFieldManagerConflict(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.status !== 409) return false;
  return (
    err.causes.some((c) => c.reason === 'FieldManagerConflict') ||
    /Apply failed with \d+ conflict/.test(err.message)
  );
}

/**
 * Whether trying again later can help, judged by the Status reason and message, not by the HTTP code alone:
 * network failures, timeouts, throttling, an unavailable or failing server and stale resourceVersions can pass;
 * an object the schema refuses or another manager's fields stay refused until something changes.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return true;
  if (err.status === 0) return true;
  if (PERMANENT_MESSAGE.test(err.message)) return false;
  if (err.status === 409) return !isFieldManagerConflict(err);
  return TRANSIENT_REASONS.has(err.reason) || err.status === 429 || err.status >= 500;
}

/** Stable codes of the requests the client refused or cut off itself, without an answer from the server. */
export type KubeRefusalCode = 'KUBE_CIRCUIT_OPEN' | 'KUBE_DEADLINE';

/**
 * A request the client did not send or stopped waiting for: the circuit to the API server is open
 * (`KUBE_CIRCUIT_OPEN`), or the sync's or stage's deadline passed (`KUBE_DEADLINE`). Always retryable; the
 * message names the request's object path.
 */
export class KubeRefusedError extends KubeApiError {
  readonly code: KubeRefusalCode;
  readonly method: string;
  readonly path: string;
  readonly retryable = true;

  constructor(code: KubeRefusalCode, req: { method: string; path: string }, why: string) {
    super(
      0,
      code === 'KUBE_CIRCUIT_OPEN' ? 'CircuitOpen' : 'DeadlineExceeded',
      `${req.method} ${req.path}: ${why}`,
    );
    this.name = 'KubeRefusedError';
    this.code = code;
    this.method = req.method;
    this.path = req.path;
  }
}
