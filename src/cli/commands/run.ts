import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Kube } from '../../kube/objects.ts';
import { splitUrlCredentials } from '../../source/auth.ts';
import { createOwnership } from '../../agent/leases/create.ts';
import { defaultIdentity } from '../../agent/leases/options.ts';
import { Agent } from '../../agent/agent.ts';
import { loadAgentConfig, parseAgentConfig, type AgentConfig } from '../../agent/config.ts';
import { createLogger } from '../../agent/log.ts';
import { createMetrics } from '../../agent/metrics.ts';
import { Readiness } from '../../agent/readiness.ts';
import { Redactor } from '../../agent/redact.ts';
import { startServer, type AgentServer } from '../../agent/server.ts';
import { WebhookReceiver } from '../../agent/webhooks/receiver.ts';
import { HostReporter } from '../../agent/host/reporter.ts';
import { Previews } from '../../agent/host/previews.ts';

/** Options of `gitops-agent run`. */
export interface RunOptions {
  config: string;
  kubeconfig?: string;
  logLevel?: string;
  cacheDir?: string;
  version: string;
}

// A changed file is read again this long after the last change event (editors write in several steps).
const RELOAD_DEBOUNCE_MS = 300;

/**
 * `gitops-agent run`: loads the config, serves /metrics, /healthz and /readyz, runs the agent until SIGTERM or
 * SIGINT (then stops taking work, lets syncs in flight stop, releases ownership and returns 0), and reloads
 * the config on SIGHUP or when the file changes.
 */
export async function runAgent(opts: RunOptions): Promise<number> {
  const redactor = new Redactor();
  const log = createLogger({ level: opts.logLevel ?? 'info', redactor });
  let config: AgentConfig;
  try {
    config = await loadAgentConfig(opts.config);
  } catch (err) {
    process.stderr.write(`gitops-agent: ${redactor.redact((err as Error).message)}\n`);
    return 2;
  }
  rememberUrlSecrets(config, redactor);
  const metrics = createMetrics({ cluster: config.agent.cluster });
  const readiness = new Readiness();
  let kube: Kube;
  let server: AgentServer;
  // Deliveries before the agent has started are answered 503, so the host retries them.
  const started: { agent?: Agent; previews?: Previews } = {};
  const webhooks = new WebhookReceiver({
    settings: config.agent.webhooks,
    sink: () => started.agent,
    onPullRequest: (e) => {
      if (e.action !== 'opened' && e.action !== 'updated') return;
      const pull = { number: e.number, headCommit: e.headSha, headRef: e.headRef, baseRef: e.baseRef };
      for (const target of e.targets) started.previews?.request(target, pull);
    },
    registry: metrics.registry,
    log,
  });
  try {
    kube = Kube.load(opts.kubeconfig);
    const handle = webhooks.handle.bind(webhooks);
    server = await startServer({ ...config.agent.listen, registry: metrics.registry, readiness, handle });
  } catch (err) {
    process.stderr.write(`gitops-agent: ${redactor.redact((err as Error).message)}\n`);
    return 2;
  }
  log.info({ port: server.port, targets: config.targets.length, config: opts.config }, 'agent listening');
  const identity = defaultIdentity();
  const agentCacheDir =
    opts.cacheDir ?? config.agent.cacheDir ?? join(homedir(), '.cache', 'gitops-agent', 'git');
  // Targets are read on every Lease round, so a reloaded config is followed.
  const ownership = createOwnership(
    config.agent.replicas.mode,
    kube.client,
    () => agent.targets().flatMap((n) => agent.targetConfig(n)?.target ?? []),
    {
      identity,
      timing: config.agent.replicas.timing,
      ...(config.agent.replicas.namespace ? { namespace: config.agent.replicas.namespace } : {}),
      onError: (err, what) => log.warn({ err: redactor.redact(err.message) }, `lease: ${what} failed`),
    },
  );
  const agent: Agent = new Agent({
    kube,
    config,
    ownership,
    instance: identity,
    version: opts.version,
    cacheDir: agentCacheDir,
    log,
    redactor,
    metrics,
    readiness,
    hostState: (name) => host.state(name),
  });
  const host = new HostReporter({
    cluster: config.agent.cluster,
    log,
    redactor,
    registry: metrics.registry,
    targetConfig: (name) => agent.targetConfig(name),
    // A refusal comes after the sync that caused it: the status shows it at once, not a sync later.
    onStateChange: (name) => agent.hostChanged(name),
  });
  agent.subscribe(host.listener);
  // Pull-request previews; the webhook receiver calls `previews.request(target, pull)` for pull-request events.
  const previews = new Previews({
    kube,
    cacheDir: agentCacheDir,
    version: opts.version,
    log,
    redactor,
    reporter: host,
    targetConfig: (name) => agent.targetConfig(name),
    // Only the replica that writes for a target previews it: one preview status per pull request.
    targets: () => agent.targets().filter((name) => agent.ownership.owns(name)),
  });
  const previewStop = new AbortController();
  agent.subscribe((e) => {
    if (e.type === 'sync-progress' && e.event.type === 'stage-start')
      log.debug({ target: e.target, stage: e.event.stage }, 'stage started');
    if (e.type === 'config-applied')
      log.info({ added: e.added, removed: e.removed, changed: e.changed }, 'config applied');
  });

  let reloadTimer: NodeJS.Timeout | undefined;
  let applied = await readFile(opts.config, 'utf8').catch(() => '');
  const reload = (why: string) => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(async () => {
      try {
        const text = await readFile(opts.config, 'utf8');
        if (text === applied && why !== 'SIGHUP') return;
        applied = text;
        const next = parseAgentConfig(text, opts.config);
        rememberUrlSecrets(next, redactor);
        log.info({ why }, 'config reloaded');
        agent.reload(next);
        webhooks.reload(next.agent.webhooks);
      } catch (err) {
        log.error({ err, why }, 'config not reloaded: the running config stays');
      }
    }, RELOAD_DEBOUNCE_MS);
  };
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: a mounted ConfigMap is updated by swapping a symlink, and editors replace
    // files by rename, either of which leaves a watch on the file itself watching the old one.
    const name = basename(opts.config);
    watcher = watch(dirname(opts.config), (_event, file) => {
      if (!file || file === name || file.startsWith('..')) reload('file changed');
    });
  } catch (err) {
    log.warn({ err }, 'cannot watch the config file; reload with SIGHUP');
  }

  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await agent.start();
  started.agent = agent;
  previews.start(previewStop.signal);
  started.previews = previews;
  log.info({ targets: agent.targets() }, 'agent started');
  const signal = await stopped;
  log.info({ signal }, 'stopping: no new syncs, waiting for syncs in flight');
  const start = Date.now();
  process.removeListener('SIGHUP', onHup);
  watcher?.close();
  clearTimeout(reloadTimer);
  previewStop.abort();
  await agent.stop();
  await previews.idle();
  // The last verdicts get a moment to reach the Git host; the rest is dropped.
  await Promise.race([host.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  host.stop();
  await server.close();
  kube.close();
  log.info({ ms: Date.now() - start }, 'stopped');
  return 0;
}

// Credentials written into a repository URL are secrets too, from the moment the config is read.
function rememberUrlSecrets(config: AgentConfig, redactor: Redactor): void {
  for (const t of config.targets) {
    try {
      const { auth } = splitUrlCredentials(t.target.url);
      redactor.add(auth?.password);
    } catch {
      // An invalid URL is reported by the target's sync, redacted by the URL rule.
    }
  }
}
