import { HostError, hostErrorOf } from './errors.ts';

/** Options of one JSON request to a host. */
export interface HostRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** Give up after this long, in ms. Default 15000. */
  timeoutMs?: number;
}

// A hostile or broken host cannot make the agent buffer more than this of one answer.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Sends one request and returns the parsed JSON answer (undefined for an empty one); a non-2xx answer or a
 * lost connection throws a HostError naming the method and path, never the URL's query or any header.
 */
export async function requestJson<T>(req: HostRequest): Promise<T | undefined> {
  const url = new URL(req.url);
  const what = `${req.method} ${url.pathname}`;
  const timeout = AbortSignal.timeout(req.timeoutMs ?? 15_000);
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method,
      headers: {
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
      redirect: 'error',
    });
  } catch (err) {
    throw new HostError(`${what}: no answer: ${(err as Error).message}`, {
      code: 'HOST_UNAVAILABLE',
      status: 0,
      retryable: !req.signal?.aborted,
      cause: err,
    });
  }
  const text = await readBounded(res, what);
  if (!res.ok) throw hostErrorOf(what, res.status, text, retryAfterMs(res.headers));
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HostError(`${what}: answer is not JSON`, {
      code: 'HOST_INVALID',
      status: res.status,
      retryable: false,
    });
  }
}

async function readBounded(res: Response, what: string): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) {
      await res.body.cancel().catch(() => undefined);
      throw new HostError(`${what}: answer over ${MAX_BODY_BYTES} bytes`, {
        code: 'HOST_INVALID',
        status: res.status,
        retryable: false,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * How long an answer asks to wait: `Retry-After` (seconds or an HTTP date), else a rate-limit reset
 * (`RateLimit-Reset`/`X-RateLimit-Reset` as epoch seconds when the remaining count is 0), in ms.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const after = headers.get('retry-after');
  if (after) {
    if (/^\d+$/.test(after.trim())) return Number(after) * 1000;
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const remaining = headers.get('ratelimit-remaining') ?? headers.get('x-ratelimit-remaining');
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  if (remaining === '0' && reset && /^\d+$/.test(reset)) {
    const n = Number(reset);
    // GitLab's RateLimit-Reset is epoch seconds; small values are seconds from now, as the IETF draft has it.
    return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
  }
  return undefined;
}

/** Basic credentials for a header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
