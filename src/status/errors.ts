/** Stable codes of a host's refusals and failures, for logs, metrics and the target's state. */
export type HostErrorCode =
  | 'HOST_UNAUTHORIZED'
  | 'HOST_FORBIDDEN'
  | 'HOST_NOT_FOUND'
  | 'HOST_INVALID'
  | 'HOST_RATE_LIMITED'
  | 'HOST_UNAVAILABLE'
  | 'HOST_TOKEN';

/** A request to a Git host that failed; never carries the token, only the method, path and the host's answer. */
export class HostError extends Error {
  readonly code: HostErrorCode;
  /** HTTP status, 0 when no answer came. */
  readonly status: number;
  /** Whether the same request may succeed later (5xx, 429, a lost connection). */
  readonly retryable: boolean;
  /** How long the host asked to wait (Retry-After or a rate-limit reset), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    opts: { code: HostErrorCode; status: number; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'HostError';
    this.code = opts.code;
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The error for an HTTP answer that is not a success; a 403 that asks to wait is a rate limit, as GitHub sends it. */
export function hostErrorOf(
  what: string,
  status: number,
  body: string,
  retryAfterMs: number | undefined,
): HostError {
  const code: HostErrorCode =
    status === 401
      ? 'HOST_UNAUTHORIZED'
      : status === 403 && retryAfterMs === undefined
        ? 'HOST_FORBIDDEN'
        : status === 404
          ? 'HOST_NOT_FOUND'
          : status === 429 || status === 403
            ? 'HOST_RATE_LIMITED'
            : status >= 500 || status === 409
              ? 'HOST_UNAVAILABLE'
              : 'HOST_INVALID';
  const retryable = code === 'HOST_RATE_LIMITED' || code === 'HOST_UNAVAILABLE';
  return new HostError(`${what}: HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`, {
    code,
    status,
    retryable,
    retryAfterMs,
  });
}
