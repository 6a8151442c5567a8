/** How the wait before a target's next sync is chosen. */
export interface DelayPolicy {
  intervalMs: number;
  /** Share of the wait added at random (0..1). */
  jitter: number;
  retry: { initialMs: number; maxMs: number };
}

/** What the last sync said about when to try again. */
export type LastAttempt =
  /** Synced, blocked or suspended: wait one interval. */
  | { kind: 'ok' }
  /** A failure a retry cannot fix (a bad commit): wait one interval, the next commit may fix it. */
  | { kind: 'permanent' }
  /** A failure a retry may fix, the `failures`-th in a row: back off. */
  | { kind: 'retryable'; failures: number };

/**
 * The wait before the next sync: one interval after success or a permanent failure; after the n-th retryable
 * failure in a row `initial × 2^(n-1)`, capped at `max`. Jitter adds up to `jitter` of the wait, so targets
 * that started together drift apart.
 */
export function nextDelay(
  policy: DelayPolicy,
  last: LastAttempt,
  random: () => number = Math.random,
): number {
  const base =
    last.kind === 'retryable'
      ? Math.min(
          policy.retry.maxMs,
          policy.retry.initialMs * 2 ** Math.max(0, Math.min(30, last.failures - 1)),
        )
      : policy.intervalMs;
  return Math.round(base * (1 + policy.jitter * random()));
}
