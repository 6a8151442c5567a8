import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { KubeObject, Manifest, SyncResult } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import type { RenderCache } from '../sync/render-cache.ts';
import type { AgentConfig, AgentSettings, TargetConfig } from './config.ts';
import type { AgentEvent, AgentListener } from './events.ts';
import type { AgentMetrics } from './metrics.ts';
import { beginWrite, soleOwner, type TargetOwnership } from './ownership.ts';
import { SyncQueue, type SyncReason } from './queue.ts';
import type { Readiness, ReadinessCondition } from './readiness.ts';
import type { Redactor } from './redact.ts';
import { nextDelay, type LastAttempt } from './backoff.ts';
import { windowVerdict } from './windows.ts';
import { statusOf, updatedHost, withHost, type TargetStatus } from './target-status.ts';
import { recordOutcome, serialWrites, writeStatus } from './parent.ts';
import { RequestPoller, requestParent, requestSync } from './requests.ts';
import { Healers } from './healers.ts';
import { syncOnce } from './sync-once.ts';

/** What the agent is built from. */
export interface AgentDeps {
  kube: Kube;
  config: AgentConfig;
  /** Agent version, written to the inventory's tooling annotation. */
  version: string;
  /** Directory for Git clones. */
  cacheDir: string;
  log: Logger;
  redactor: Redactor;
  metrics: AgentMetrics;
  readiness: Readiness;
  /** Which targets this replica may write for. Default: all of them (`soleOwner`). */
  ownership?: TargetOwnership;
  /** This replica's name in Events and its Lease holder identity. Default the host name. */
  instance?: string;
  /** The Git host's last answer to a target's commit statuses, shown in its status. Default: none. */
  hostState?: (target: string) => TargetStatus['host'];
}

interface TargetState {
  config: TargetConfig;
  renderCache: RenderCache;
  desired?: { commit: string; manifests: Manifest[] };
  status?: TargetStatus;
  failures: number;
  attempted: boolean;
  lastHandledRequest?: string;
  infoLabels?: Record<string, string>;
}

/**
 * The in-cluster agent: keeps every configured target converged by syncing it at start, every interval (with
 * jitter), on request and through `trigger()`, one sync per target at a time, backing off after failures,
 * honouring suspend and sync windows, and reporting each outcome (status annotation, Event, metrics, log).
 */
export class Agent {
  readonly metrics: AgentMetrics;
  readonly readiness: Readiness;
  readonly ownership: TargetOwnership;
  readonly #deps: AgentDeps;
  readonly #targets = new Map<string, TargetState>();
  readonly #listeners = new Set<AgentListener>();
  readonly #queue: SyncQueue;
  readonly #stop = new AbortController();
  readonly #initial: ReadinessCondition;
  readonly #poller: RequestPoller;
  readonly #healers: Healers;
  readonly #writes = serialWrites();
  #settings: AgentSettings;

  constructor(deps: AgentDeps) {
    this.#deps = deps;
    this.metrics = deps.metrics;
    this.readiness = deps.readiness;
    this.#settings = deps.config.agent;
    this.ownership = deps.ownership ?? soleOwner(() => this.#targets.keys());
    this.#queue = new SyncQueue((t, r) => this.#sync(t, r), this.#settings.concurrency);
    this.#initial = deps.readiness.condition('initial-syncs', 'first syncs not done');
    for (const t of deps.config.targets) this.#targets.set(t.target.name, this.#newState(t));
    this.#poller = new RequestPoller({
      kube: deps.kube,
      log: deps.log,
      intervalMs: () => this.#settings.requestPollMs,
      targets: () => [...this.#targets.values()].map((s) => s.config.target),
      handled: (name) => this.#targets.get(name)?.lastHandledRequest,
      onRequest: (name, value) => {
        const state = this.#targets.get(name);
        if (!state) return;
        state.lastHandledRequest = value;
        this.trigger(name, 'requested');
      },
    });
    this.#healers = new Healers({
      kube: deps.kube,
      log: deps.log,
      metrics: this.metrics,
      eventSource: { controller: 'gitops-agent', instance: deps.instance ?? hostname() },
      mayApply: (target) => this.mayApply(target),
      desired: (target) => this.#targets.get(target)?.desired?.manifests,
      ready: deps.readiness.condition('drift-watches'),
      signal: this.#stop.signal,
    });
    deps.kube.client.observe((verb, code) => this.metrics.apiRequests.inc({ verb, code: String(code) }));
    // Only targets newly handed to this replica sync at once; the others keep their schedule.
    let before = new Set<string>();
    this.ownership.onChange((owned) => {
      for (const name of owned) if (!before.has(name)) this.trigger(name, 'ownership');
      before = new Set(owned);
    });
  }

  /** Starts: takes part in ownership, reads what earlier runs left on the parents, syncs every target once. */
  async start(): Promise<void> {
    await this.ownership.start(this.#stop.signal);
    const previous = await this.#poller.previous().catch((err: unknown) => {
      this.#deps.log.warn({ err }, 'could not read the statuses earlier runs left');
      return new Map<string, TargetStatus>();
    });
    for (const [name, status] of previous) {
      const state = this.#targets.get(name);
      if (!state) continue;
      state.status = status;
      state.lastHandledRequest = status.lastHandledRequest;
    }
    for (const name of this.#targets.keys()) this.trigger(name, 'start');
    this.#poller.start(this.#stop.signal);
    this.#updateReadiness();
  }

  /** Asks for a sync of `target` now (webhooks, drift, tests); coalesced with a sync already running. False for an unknown target or a stopped agent. */
  trigger(target: string, reason: SyncReason): boolean {
    if (!this.#targets.has(target) || this.#stop.signal.aborted) return false;
    return this.#queue.trigger(target, reason);
  }

  /** Asks the owner of `target` for a sync through its parent's `requested-at`, for a webhook that reached a non-owner. */
  async requestSync(target: string): Promise<void> {
    const t = this.#targets.get(target)?.config.target;
    if (t) await requestSync(this.#deps.kube, requestParent(t), 'gitops-agent-webhook');
  }

  /** Subscribes to agent events; returns the unsubscribe function. */
  subscribe(listener: AgentListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The objects (with the set's label) the last applying sync of `target` made the cluster match. */
  getDesired(target: string): KubeObject[] | undefined {
    return this.#targets.get(target)?.desired?.manifests.map((m) => m.object);
  }

  /**
   * Whether the agent may write for `target` now: this replica owns it, it is not suspended and no sync window
   * blocks it. The self-heal asks before re-applying an object.
   */
  mayApply(target: string, now = new Date()): boolean {
    const cfg = this.#targets.get(target)?.config;
    if (!cfg || cfg.suspend || this.#stop.signal.aborted || !this.ownership.owns(target)) return false;
    return windowVerdict(cfg.windows, now).allowed;
  }

  /** The target's last status, as written on its inventory parent. */
  status(target: string): TargetStatus | undefined {
    return this.#targets.get(target)?.status;
  }

  /** Writes the target's status again, without a sync, when the Git host's answer to its statuses changed. */
  hostChanged(target: string): void {
    const state = this.#targets.get(target);
    const status = state?.status && updatedHost(state.status, this.#deps.hostState?.(target));
    // Held like a sync's write: a rebalance waits for it, and a replica that lost the target writes nothing.
    const guard = state && status && !this.#stop.signal.aborted && beginWrite(this.ownership, target);
    if (!guard) return;
    state.status = status;
    void this.#report(state, status, status).finally(() => guard.end());
  }

  /** The configuration of a target, as currently loaded. */
  targetConfig(target: string): TargetConfig | undefined {
    return this.#targets.get(target)?.config;
  }

  /** Names of the configured targets. */
  targets(): string[] {
    return [...this.#targets.keys()];
  }

  /**
   * Takes a new config without dropping work in flight: a running sync finishes with the config it started
   * with; added and changed targets sync now, removed ones are forgotten after their sync in flight.
   */
  reload(config: AgentConfig): void {
    const old = this.#settings;
    this.#settings = config.agent;
    this.#queue.setConcurrency(config.agent.concurrency);
    if (old.listen.host !== config.agent.listen.host || old.listen.port !== config.agent.listen.port)
      this.#deps.log.warn('listen address changed; it takes effect at the next restart');
    const next = new Map(config.targets.map((t) => [t.target.name, t]));
    const added: string[] = [];
    const changed: string[] = [];
    const removed = [...this.#targets.keys()].filter((n) => !next.has(n));
    for (const name of removed) {
      this.#queue.remove(name);
      this.#forgetMetrics(name, this.#targets.get(name));
      this.#targets.delete(name);
      void this.#healers.remove(name);
    }
    for (const [name, t] of next) {
      const state = this.#targets.get(name);
      if (!state) {
        this.#targets.set(name, this.#newState(t));
        added.push(name);
      } else if (JSON.stringify(state.config) !== JSON.stringify(t)) {
        state.config = t;
        state.failures = 0;
        changed.push(name);
      }
    }
    for (const name of [...added, ...changed]) this.trigger(name, 'config');
    this.#emit({ type: 'config-applied', added, removed, changed });
    this.#updateReadiness();
  }

  /** Stops taking work, stops the syncs in flight at their next request (the one in flight finishes), releases ownership. */
  async stop(): Promise<void> {
    const draining = this.#queue.stop();
    this.#stop.abort(new Error('the agent is stopping'));
    await draining;
    await this.#poller.stopped();
    await this.#healers.stopped();
    await this.#writes.idle();
    // A Lease that could not be released expires after its duration; that is no reason to exit non-zero.
    await this.ownership.release().catch((err: unknown) => {
      this.#deps.log.warn({ err }, 'could not release every Lease; they expire after their duration');
    });
    this.#emit({ type: 'stopped' });
  }

  #newState(config: TargetConfig): TargetState {
    return { config, renderCache: {}, failures: 0, attempted: false };
  }

  #emit(event: AgentEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        this.#deps.log.error({ err }, 'agent event listener failed');
      }
    }
  }

  // The queue's runner: one sync of one target, never throwing.
  async #sync(name: string, reason: SyncReason): Promise<void> {
    const state = this.#targets.get(name);
    if (!state) return;
    const cfg = state.config;
    // The guard keeps the target ours until the sync ends; a rebalance waits for it.
    const guard = beginWrite(this.ownership, name);
    if (!guard) {
      this.#queue.schedule(name, cfg.intervalMs, 'interval');
      return;
    }
    try {
      await this.#syncOwned(name, reason, state, guard.signal);
    } finally {
      guard.end();
    }
  }

  async #syncOwned(name: string, reason: SyncReason, state: TargetState, owned: AbortSignal): Promise<void> {
    const cfg = state.config;
    const { log } = this.#deps;
    this.#emit({ type: 'sync-start', target: name, reason });
    log.debug({ target: name, reason }, 'sync started');
    const started = performance.now();
    let result: SyncResult | undefined;
    let status: TargetStatus;
    const previous = { status: state.status, lastHandledRequest: state.lastHandledRequest };
    if (cfg.suspend) {
      status = statusOf(
        { kind: 'suspended', target: name, repo: cfg.target.url, ref: cfg.target.ref },
        previous,
        new Date(),
      );
    } else {
      const verdict = windowVerdict(cfg.windows, new Date());
      let desired: { commit: string; manifests: Manifest[] } | undefined;
      const deps = {
        ...this.#deps,
        signal: AbortSignal.any([this.#stop.signal, owned]),
        identity: this.#deps.instance ?? hostname(),
        timing: this.#settings.replicas.timing,
      };
      this.#healers.before(name);
      result = await syncOnce(cfg, state.renderCache, deps, verdict.allowed ? 'sync' : 'diff', (e) => {
        if (e.type === 'desired') desired = { commit: e.commit, manifests: e.manifests };
        if (e.type === 'stage-done' && e.stage === 'source')
          this.metrics.gitFetchDuration.observe({ target: name }, e.ms / 1000);
        this.#emit({ type: 'sync-progress', target: name, event: e });
      });
      if (desired) {
        state.desired = desired;
        this.metrics.managedObjects.set({ target: name }, desired.manifests.length);
      }
      await this.#healers.after(cfg);
      status = statusOf(
        { kind: 'result', result, blocked: verdict.allowed ? undefined : verdict.reason },
        previous,
        new Date(),
      );
    }
    const ms = performance.now() - started;
    state.attempted = true;
    this.#record(name, state, status, ms);
    await this.#report(state, status, previous.status);
    this.#emit({ type: 'sync-done', target: name, reason, outcome: status.outcome, result, status, ms });
    this.#updateReadiness();
    // A target removed from the config while it synced is not scheduled again.
    if (this.#targets.get(name) !== state) return this.#forgetMetrics(name, state);
    const delay = this.#nextDelay(state, status, result);
    this.#queue.schedule(name, delay, status.outcome === 'failed' ? 'retry' : 'interval');
  }

  #record(name: string, state: TargetState, status: TargetStatus, ms: number): void {
    const { metrics } = this;
    const { log } = this.#deps;
    status.message = this.#deps.redactor.redact(status.message);
    status.repo = this.#deps.redactor.redact(status.repo);
    status.host = withHost(status, this.#deps.hostState?.(name)).host;
    state.status = status;
    metrics.syncs.inc({ target: name, outcome: status.outcome });
    metrics.syncDuration.observe({ target: name, outcome: status.outcome }, ms / 1000);
    metrics.suspended.set({ target: name }, status.suspended ? 1 : 0);
    if (status.outcome === 'synced') metrics.lastSuccess.set({ target: name }, Date.now() / 1000);
    const labels = {
      target: name,
      repo: status.repo,
      ref: status.ref,
      revision: status.lastAttemptedRevision ?? '',
    };
    if (state.infoLabels) metrics.targetInfo.remove(state.infoLabels);
    metrics.targetInfo.set(labels, 1);
    state.infoLabels = labels;
    const fields = {
      target: name,
      outcome: status.outcome,
      revision: status.lastAttemptedRevision,
      ms: Math.round(ms),
      counts: status.counts,
      ...(status.error ? { stage: status.error.stage } : {}),
    };
    if (status.outcome === 'failed' || status.outcome === 'unhealthy') log.warn(fields, status.message);
    else log.info(fields, status.message);
  }

  // Status and Events are reports: a failure to write them is logged, never a reason to fail the sync.
  async #report(state: TargetState, status: TargetStatus, previous: TargetStatus | undefined): Promise<void> {
    const { kube, log, version } = this.#deps;
    const loc = { target: status.target, namespace: state.config.target.inventoryNamespace };
    try {
      const uid = await this.#writes(status.target, () => writeStatus(kube, loc, status, version));
      if (previous?.outcome !== status.outcome) {
        const source = { controller: 'gitops-agent', instance: this.#deps.instance ?? hostname() };
        const err = await recordOutcome(kube, source, loc, uid, status);
        if (err) log.warn({ target: status.target, err }, 'could not record the Event');
      }
    } catch (err) {
      log.warn({ target: status.target, err }, 'could not write the status on the inventory parent');
    }
  }

  #nextDelay(state: TargetState, status: TargetStatus, result: SyncResult | undefined): number {
    let last: LastAttempt = { kind: 'ok' };
    if (status.outcome === 'failed' || status.outcome === 'unhealthy') {
      if (status.outcome === 'failed' && result?.error?.retryable === false) last = { kind: 'permanent' };
      else last = { kind: 'retryable', failures: ++state.failures };
    }
    if (last.kind !== 'retryable') state.failures = 0;
    const s = this.#settings;
    return nextDelay({ intervalMs: state.config.intervalMs, jitter: s.jitter, retry: s.retry }, last);
  }

  #updateReadiness(): void {
    const waiting = [...this.#targets.entries()].filter(([n, s]) => !s.attempted && this.ownership.owns(n));
    this.#initial.set(
      waiting.length === 0,
      waiting.length ? `first sync pending: ${waiting.map(([n]) => n).join(', ')}` : undefined,
    );
  }

  #forgetMetrics(name: string, state: TargetState | undefined): void {
    const m = this.metrics;
    for (const g of [m.managedObjects, m.lastSuccess, m.suspended]) g.remove({ target: name });
    if (state?.infoLabels) m.targetInfo.remove(state.infoLabels);
  }
}
