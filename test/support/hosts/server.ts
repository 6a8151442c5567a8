// The common part of the Git-host contract servers: an HTTP server on 127.0.0.1 that records every request
// (method, raw path, headers, parsed body), answers forced faults first, and hands the rest to the host's routes.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  /** The raw path with its query, as sent (`%2F` stays encoded). */
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** `performance.now()` at arrival. */
  at: number;
}

/** An answer. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A host's routes: an answer for a request that passed no forced fault; undefined means 404. */
export type Routes = (req: RecordedRequest, url: URL) => Reply | undefined;

/** A running contract server. */
export interface ContractServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests with these replies, in order, before any route runs (faults: 500, 429, 401 …). */
  force(...replies: Reply[]): void;
  /** Forgets the recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** Starts a contract server with the host's routes; `headers` go on every answer (rate-limit headers). */
export async function startContractServer(
  routes: Routes,
  headers: () => Record<string, string> = () => ({}),
): Promise<ContractServer> {
  const requests: RecordedRequest[] = [];
  const forced: Reply[] = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown = raw;
    if (raw && /json/.test(req.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = { unparsable: raw };
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      at: performance.now(),
    };
    requests.push(recorded);
    const reply = forced.shift() ??
      routes(recorded, new URL(req.url ?? '/', 'http://contract.test')) ?? {
        status: 404,
        body: { message: 'Not Found' },
      };
    const out = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers(),
      ...(out ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...reply.headers,
    });
    res.end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    force: (...replies) => void forced.push(...replies),
    clear: () => void requests.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Matches a raw path against a pattern like `/repos/:owner/:repo/statuses/:sha`; each `:name` is one raw segment. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('?')[0]!.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) params[want[i]!.slice(1)] = got[i]!;
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/** A pull request a contract server lists as open. */
export interface FakePull {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** The fork the head comes from (`owner/repo`); absent: the repository itself. */
  fork?: string;
}

/** A comment on a pull request, as a contract server keeps it. */
export interface FakeComment {
  id: number;
  pull: number;
  body: string;
  /** The user id who wrote it (GitLab's fake: the token's user is 1). */
  author?: number;
}
