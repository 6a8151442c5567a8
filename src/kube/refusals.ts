import { KubeApiError, KubeRefusedError } from './errors.ts';

/** The request an error is about: its method and object path. */
interface RequestLine {
  method: string;
  path: string;
}

/**
 * The error of a request the open circuit refuses (`retryInMs` says when the next try goes out) or cuts off
 * in flight (when it opened).
 */
export function circuitOpen(
  req: RequestLine,
  server: string,
  threshold: number,
  why: { cause: string; retryInMs?: number },
): KubeRefusedError {
  const silent = `the API server at ${server} left ${threshold} requests in a row without an answer (last: ${why.cause})`;
  return new KubeRefusedError(
    'KUBE_CIRCUIT_OPEN',
    req,
    why.retryInMs === undefined
      ? `cut off: ${silent}`
      : `not sent: ${silent}; the next try goes out in ${Math.ceil(why.retryInMs / 1000)} s`,
  );
}

/** The error a request in flight is cut off with when the deadline passes. */
export function deadlineCut(req: RequestLine, deadline: AbortSignal | undefined): KubeRefusedError {
  return new KubeRefusedError('KUBE_DEADLINE', req, `cut off: ${reasonOf(deadline)}`);
}

/** A request cut off at the deadline fails with that error; any other failure to get an answer is the network's. */
export function networkError(req: RequestLine, e: Error): KubeApiError {
  return e instanceof KubeApiError
    ? e
    : new KubeApiError(0, 'NetworkError', `${req.method} ${req.path}: ${e.message}`);
}

/** Refuses a request once the deadline has passed. */
export function throwIfPastDeadline(deadline: AbortSignal | undefined, req: RequestLine): void {
  if (deadline?.aborted) throw new KubeRefusedError('KUBE_DEADLINE', req, `not sent: ${reasonOf(deadline)}`);
}

/** Refuses a request once the run was stopped. */
export function throwIfAborted(signal: AbortSignal | undefined, req: RequestLine): void {
  if (signal?.aborted)
    throw new KubeApiError(0, 'Aborted', `${req.method} ${req.path}: not sent, the run was stopped`);
}

/** The message of a signal's abort reason. */
export function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason);
}
