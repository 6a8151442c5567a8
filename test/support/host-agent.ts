// An Agent in-process with the Git-host reporter subscribed, against the real control plane (optionally through a
// TCP proxy that a test can close, to take the API server away) and the real Git server; every log line kept.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse, stringify } from 'yaml';
import { Agent } from '../../src/agent/agent.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import type { AgentEvent } from '../../src/agent/events.ts';
import { HostReporter } from '../../src/agent/host/reporter.ts';
import { createLogger } from '../../src/agent/log.ts';
import { createMetrics } from '../../src/agent/metrics.ts';
import { Readiness } from '../../src/agent/readiness.ts';
import { Redactor } from '../../src/agent/redact.ts';
import { Kube } from '../../src/kube/objects.ts';
import { kubeconfigPath } from './cluster.ts';

/** The running agent, its reporter, and what it said. */
export interface HostAgent {
  agent: Agent;
  reporter: HostReporter;
  logs: string[];
  events: AgentEvent[];
  metrics: ReturnType<typeof createMetrics>;
  /** Triggers a sync of the target and resolves with its sync-done event once the reporter's queue is idle. */
  sync(target: string): Promise<Extract<AgentEvent, { type: 'sync-done' }>>;
  /** Closes or reopens the path to the API server (only with `proxy: true`). */
  apiServer(open: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the agent with `targets` (agent config entries); `proxy` puts a closable TCP proxy before the API server. */
export async function startHostAgent(
  targets: Record<string, unknown>[],
  opts: { proxy?: boolean; cluster?: string; concurrency?: number } = {},
): Promise<HostAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-host-agent-'));
  const proxy = opts.proxy ? await startProxy() : undefined;
  let kubeconfig = kubeconfigPath();
  if (proxy) {
    const doc = parse(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    const upstream = new URL(doc.clusters[0]!.cluster.server);
    proxy.upstream = { host: upstream.hostname, port: Number(upstream.port) };
    for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, stringify(doc), { mode: 0o600 });
  }
  const kube = Kube.load(kubeconfig);
  const config = parseAgentConfig(
    stringify({
      agent: {
        listen: '127.0.0.1:0',
        cluster: opts.cluster ?? 'test',
        concurrency: opts.concurrency ?? 4,
        retry: { initial: '1h', max: '1h' },
      },
      targets,
    }),
  );
  const redactor = new Redactor();
  const logs: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _e, cb) => {
      logs.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ redactor, destination: sink, level: 'debug' });
  const metrics = createMetrics({ cluster: opts.cluster ?? 'test' });
  const agent: Agent = new Agent({
    kube,
    config,
    version: 'test',
    cacheDir: join(dir, 'git'),
    log,
    redactor,
    metrics,
    readiness: new Readiness(),
    hostState: (t) => reporter.state(t),
  });
  const reporter: HostReporter = new HostReporter({
    cluster: opts.cluster ?? 'test',
    log,
    redactor,
    registry: metrics.registry,
    targetConfig: (n) => agent.targetConfig(n),
    queue: { initialBackoffMs: 200 },
    onStateChange: (t) => agent.hostChanged(t),
  });
  agent.subscribe(reporter.listener);
  const events: AgentEvent[] = [];
  agent.subscribe((e) => void events.push(e));
  return {
    agent,
    reporter,
    logs,
    events,
    metrics,
    async sync(target) {
      const before = events.length;
      agent.trigger(target, 'test');
      for (;;) {
        const done = events.slice(before).find((e) => e.type === 'sync-done' && e.target === target);
        if (done) {
          await reporter.idle();
          return done as Extract<AgentEvent, { type: 'sync-done' }>;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async apiServer(open) {
      if (!proxy) throw new Error('startHostAgent: no proxy');
      proxy.open = open;
      if (!open) for (const s of proxy.sockets) s.destroy();
    },
    async stop() {
      await agent.stop();
      reporter.stop();
      kube.close();
      await proxy?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Proxy {
  port: number;
  open: boolean;
  upstream?: { host: string; port: number };
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function startProxy(): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const proxy: Proxy = { port: 0, open: true, sockets, close: async () => {} };
  const server: Server = createServer((client) => {
    if (!proxy.open || !proxy.upstream) return client.destroy();
    const up = connect(proxy.upstream.port, proxy.upstream.host);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(up).pipe(client);
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** The config of a fixture's target (path `deploy`, interval 1h) with `host`, and any other keys in `extra`. */
export function hostTarget(
  fx: { namespace: string; repo: { url: string } },
  host: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: fx.namespace,
    repo: fx.repo.url,
    path: 'deploy',
    namespace: fx.namespace,
    interval: '1h',
    ...extra,
    host,
  };
}
