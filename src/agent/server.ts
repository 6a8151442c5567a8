import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

/** A running HTTP server of the agent. */
export interface AgentServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Serves `/metrics` (Prometheus text format), `/healthz` (the process answers), `/readyz` (every readiness condition met) and what `handle` claims. */
export async function startServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  readiness: Readiness;
  /** Answers the requests it claims (the webhook receiver) before the routes below. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}): Promise<AgentServer> {
  const server: Server = createServer((req, res) => {
    if (opts.handle?.(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const { ready, pending } = opts.readiness.check();
      const text = ready ? 'ok\n' : pending.map((p) => `${p.name}: ${p.reason}\n`).join('');
      res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(text);
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
      );
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
