import http from 'node:http';
import https from 'node:https';
import type { KubeClient } from './client.ts';
import { KubeApiError, errorFromResponse } from './errors.ts';

/** One streaming GET: its path and query, the signal that ends it, and how long it may stay silent. */
export interface StreamRequest {
  path: string;
  query?: Record<string, string | undefined>;
  signal: AbortSignal;
  /** The stream is destroyed when no byte arrived for this long (a dead connection). */
  idleTimeoutMs: number;
}

/**
 * Sends a GET whose answer is newline-delimited JSON (a watch) on a socket of its own and yields each value as it
 * arrives; ends when the server closes the stream, throws KubeApiError for a status of 400 or more, and throws
 * the signal's reason when it aborts. The request is destroyed whenever the loop ends, so none is left open.
 */
export async function* jsonLines(client: KubeClient, req: StreamRequest): AsyncGenerator<unknown> {
  req.signal.throwIfAborted();
  const base = await client.streamOptions();
  const url = new URL(client.server + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers = {
    ...(base.headers as Record<string, string>),
    Accept: 'application/json',
    'User-Agent': 'gitops-agent',
  };
  const mod = url.protocol === 'http:' ? http : https;
  const r = mod.request(url, { ...base, method: 'GET', headers });
  const abort = () => r.destroy(req.signal.reason as Error);
  req.signal.addEventListener('abort', abort, { once: true });
  try {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      r.on('response', resolve);
      r.on('error', (e) =>
        reject(
          req.signal.aborted
            ? req.signal.reason
            : new KubeApiError(0, 'NetworkError', `GET ${req.path}: ${e.message}`),
        ),
      );
      r.setTimeout(req.idleTimeoutMs, () => r.destroy(new Error(`no data for ${req.idleTimeoutMs} ms`)));
      r.end();
    });
    res.setEncoding('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      let text = '';
      for await (const chunk of res) text += chunk as string;
      throw errorFromResponse('GET', req.path, status, parseOrText(text));
    }
    let buf = '';
    try {
      for await (const chunk of res) {
        buf += chunk as string;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as unknown;
        }
      }
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      if (err instanceof KubeApiError) throw err;
      throw new KubeApiError(0, 'NetworkError', `GET ${req.path}: ${(err as Error).message}`);
    }
  } finally {
    req.signal.removeEventListener('abort', abort);
    r.destroy();
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
