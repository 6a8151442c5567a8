import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SyncResult } from '../../core/types.ts';
import { fitDescription, verdictOf, type Verdict } from '../../status/describe.ts';
import type { HostErrorCode } from '../../status/errors.ts';
import type { CommitState } from '../../status/types.ts';
import type { TargetConfig } from '../config.ts';
import type { AgentEvent, AgentListener } from '../events.ts';
import type { Redactor } from '../redact.ts';
import { codeOf } from '../target-status.ts';
import { createHostMetrics, type HostMetrics } from './metrics.ts';
import { StatusQueue, type JobOutcome, type StatusQueueOptions } from './queue.ts';
import { WriterCache, type TargetWriter } from './writers.ts';

/** What the reporter needs from the agent. */
export interface HostReporterDeps {
  cluster: string;
  log: Logger;
  redactor: Redactor;
  registry: Registry;
  /** The target's current config (a reload is followed). */
  targetConfig: (target: string) => TargetConfig | undefined;
  queue?: StatusQueueOptions;
  /** Told when a target's HostState changes from ok to a refusal, to another refusal's code, or back to ok. */
  onStateChange?: (target: string) => void;
}

/** The Git host's answer to a target's statuses: fine, or the last refusal (reported once, not retried). */
export type HostState =
  { ok: true; at: string } | { ok: false; code: HostErrorCode; message: string; at: string };

/**
 * Puts the agent's verdict on each synced commit, as a commit status on the target's Git host: `pending` as
 * soon as the sync knows its commit (before rendering), then `success`, `failure` or `error`; a later sync of
 * the same commit that changes the verdict changes the status. Posts go through a bounded queue, so a slow or
 * failing host never delays a sync.
 */
export class HostReporter {
  readonly queue: StatusQueue;
  readonly metrics: HostMetrics;
  readonly #deps: HostReporterDeps;
  readonly #writers: WriterCache;
  readonly #lastCommit = new Map<string, string>();
  readonly #states = new Map<string, HostState>();

  constructor(deps: HostReporterDeps) {
    this.#deps = deps;
    this.queue = new StatusQueue({ ...deps.queue, onOutcome: (o) => this.#outcome(o) });
    this.metrics = createHostMetrics(deps.registry, () => this.queue.depth);
    this.#writers = new WriterCache(deps.cluster, deps.redactor);
  }

  /** The listener to pass to `agent.subscribe()`. */
  readonly listener: AgentListener = (event) => this.#onEvent(event);

  /** The host's last answer for the target's statuses; undefined before the first post or without `host`. */
  state(target: string): HostState | undefined {
    return this.#states.get(target);
  }

  /** The target's writer (for previews), or undefined when it has no `host` key or an unusable one. */
  writerOf(target: string): TargetWriter | undefined {
    const cfg = this.#deps.targetConfig(target);
    if (!cfg) return undefined;
    try {
      return this.#writers.get(cfg);
    } catch (err) {
      this.#fail(target, 'HOST_INVALID', (err as Error).message);
      return undefined;
    }
  }

  /** Queues a status for a commit of a target; used by the sync events and by previews. */
  post(
    target: string,
    sha: string,
    verdict: Verdict,
    opts: { context?: string; onlyIfNew?: boolean; keepSameState?: boolean } = {},
  ): void {
    const w = this.writerOf(target);
    if (!w) return;
    const description = fitDescription(
      this.#deps.redactor.redact(verdict.description),
      w.writer.maxDescription,
    );
    this.queue.push({
      target,
      writer: w.writer,
      repository: w.coords.repository,
      sha,
      status: {
        state: verdict.state,
        context: opts.context ?? w.context,
        description,
        ...(w.settings.targetUrl ? { targetUrl: w.settings.targetUrl } : {}),
      },
      onlyIfNew: opts.onlyIfNew,
      keepSameState: opts.keepSameState,
      own: opts.context === undefined,
    });
  }

  /** Resolves when every queued status is posted or given up on. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Drops whatever is still queued. */
  stop(): void {
    this.queue.stop();
  }

  #onEvent(event: AgentEvent): void {
    if (event.type === 'config-applied')
      for (const t of event.removed) {
        this.#writers.forget(t);
        this.#lastCommit.delete(t);
        this.#states.delete(t);
      }
    if (event.type === 'sync-progress' && event.event.type === 'source-resolved') {
      this.#lastCommit.set(event.target, event.event.commit);
      // A re-check of a commit that already has a verdict keeps it until the new one is known.
      this.post(
        event.target,
        event.event.commit,
        { state: 'pending', description: 'sync in progress' },
        { onlyIfNew: true },
      );
    }
    if (event.type !== 'sync-done' || event.outcome === 'suspended') return;
    const verdict = this.#verdict(event.outcome, event.result, event.status.message);
    // A sync that failed before it knew its commit (the API server down before the sync lock) concerns the
    // commit the target last resolved, when that failure is not the commit's fault. A failing source stage
    // does not: the branch may have moved, and a red status on the old commit would never be replaced.
    const beforeSource = verdict?.state === 'error' && event.result?.error?.stage !== 'source';
    const sha = event.result?.commit ?? (beforeSource ? this.#lastCommit.get(event.target) : undefined);
    // A re-check that changed nothing leaves "1 configured, 3/3 healthy" on the commit rather than replacing it
    // with "unchanged": the status says what deploying the commit did, and the check is not re-posted.
    // A failure keeps moving with its cause (ImagePullBackOff, then CrashLoopBackOff).
    const changedNothing = event.result?.changes.every((c) => c.action === 'unchanged') === true;
    const keepSameState = changedNothing && verdict?.state === 'success';
    if (verdict && sha) this.post(event.target, sha, verdict, { keepSameState });
  }

  #verdict(outcome: string, result: SyncResult | undefined, message: string): Verdict | undefined {
    if (!result) return undefined;
    if (outcome === 'blocked') return { state: 'pending', description: message };
    return verdictOf(result);
  }

  #outcome(o: JobOutcome): void {
    const { target } = o.job;
    const labels = { target, provider: o.job.writer.provider };
    if (o.kind === 'posted') this.metrics.posts.inc({ ...labels, state: o.job.status.state as CommitState });
    if (o.kind === 'dropped') this.metrics.dropped.inc();
    if (o.kind === 'failed') this.metrics.failures.inc({ ...labels, code: o.error.code });
    // A preview's post (another context, another commit) says nothing of the target's own statuses.
    if (!o.job.own || o.kind === 'dropped') return;
    if (o.kind === 'failed') return this.#fail(target, o.error.code, o.error.message);
    // A status found unchanged was read with the token: that clears a refused token (401), not a missing write
    // scope (403, 404), which a token that may read but not write would flap between. One known from memory
    // was not asked for at all.
    const before = this.#states.get(target);
    const readOnly = before?.ok === false && before.code !== 'HOST_UNAUTHORIZED';
    if (o.kind === 'unchanged' && (o.known || readOnly)) return;
    this.#set(target, { ok: true, at: new Date().toISOString() });
    this.metrics.hostOk.set({ target }, 1);
  }

  #fail(target: string, code: HostErrorCode, raw: string): void {
    const message = this.#deps.redactor.redact(raw);
    const before = this.#set(target, { ok: false, code, message, at: new Date().toISOString() });
    this.metrics.hostOk.set({ target }, 0);
    // Reported once: the same refusal again stays in the state and the metric, not in the log.
    if (before?.ok === false && before.code === code) return;
    this.#deps.log.warn({ target, code, err: message }, 'commit status not posted');
  }

  // Keeps the target's state and tells onStateChange when it says something new; returns the state before.
  #set(target: string, next: HostState): HostState | undefined {
    const before = this.#states.get(target);
    this.#states.set(target, next);
    if (codeOf(before) !== codeOf(next)) this.#deps.onStateChange?.(target);
    return before;
  }
}
