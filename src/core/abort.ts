/**
 * Settles as `work` does, or rejects with `reasonOf(signal)` once `signal` aborts, whichever comes first.
 * `work` keeps a handler either way: it was started before this call, and a rejection it meets after the
 * abort (an HTTP request cut off by the same signal) would otherwise be unhandled and end the process.
 */
export function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  reasonOf: (signal: AbortSignal) => unknown = (s) => s.reason,
): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(reasonOf(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
