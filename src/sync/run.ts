import type { ChangeSetEntry, Stage, SyncResult, SyncTarget } from '../core/types.ts';
import type { ReconcileDeps } from './reconcile.ts';
import { AgentError } from '../core/errors.ts';
import { FIELD_MANAGER } from '../core/ownership.ts';
import { isRetryable } from '../kube/errors.ts';
import { redact } from '../source/auth.ts';
import type { Kube } from '../kube/objects.ts';
import { raceAbort } from '../core/abort.ts';
import { Deadlines } from './deadline.ts';

/**
 * Bookkeeping of one reconcile: its own view of the API client (so its request counts are its own even when
 * other targets sync at the same time), its stop signal and deadlines, stage timings, the changes applied so
 * far and the result being built.
 */
export class Run {
  readonly result: SyncResult;
  readonly saveOpts: { fieldManager: string; version: string };
  /** The client this run sends through; counts only this run's requests and stops at the signal. */
  readonly kube: Kube;
  readonly #deps: ReconcileDeps;
  readonly #signal: AbortSignal | undefined;
  readonly #applied: ChangeSetEntry[] = [];
  readonly #deadlines: Deadlines;
  #current: Stage = 'source';

  constructor(target: SyncTarget, deps: ReconcileDeps, signal?: AbortSignal) {
    this.#deps = deps;
    this.#signal = signal;
    this.#deadlines = new Deadlines({
      syncTimeoutSeconds: target.syncTimeoutSeconds,
      stageTimeoutSeconds: target.stageTimeoutSeconds,
    });
    this.kube = deps.kube.forRun(signal, () => this.#deadlines.signal);
    this.saveOpts = { fieldManager: FIELD_MANAGER, version: deps.version };
    this.result = {
      target: target.name,
      // A caller may pass a URL with credentials (the source stage splits them off); a result never holds them.
      url: redact(target.url),
      ref: target.ref,
      outcome: 'failed',
      changes: [],
      health: [],
      timings: {},
      requests: {},
    };
  }

  /** Stops work that is not an API request (a Git fetch): the caller's signal or a passed deadline. */
  get signal(): AbortSignal {
    const deadline = this.#deadlines.signal;
    return this.#signal ? AbortSignal.any([this.#signal, deadline]) : deadline;
  }

  /** Runs one stage, timing it, and ends it with a DeadlineError at its deadline; a stopped run starts no further stage. */
  async stage<T>(stage: Stage, fn: () => Promise<T>): Promise<T> {
    this.#current = stage;
    if (this.#signal?.aborted)
      throw new AgentError(stage, `stopped before ${stage}`, { retryable: true, cause: this.#signal.reason });
    const deadline = this.#deadlines.enter(stage);
    this.#deps.onEvent?.({ type: 'stage-start', stage });
    const start = performance.now();
    try {
      return await raceAbort(fn(), deadline);
    } finally {
      // A failing stage took time too; without it a failed sync reported "in 0.0s ()".
      const ms = Math.round(performance.now() - start);
      this.result.timings[stage] = (this.result.timings[stage] ?? 0) + ms;
      this.#deps.onEvent?.({ type: 'stage-done', stage, ms });
    }
  }

  /** Notes one object the apply stage wrote, so a crash later still reports it. */
  applied(entry: ChangeSetEntry): void {
    this.#applied.push(entry);
    this.#deps.onEvent?.({ type: 'applied', entry });
  }

  finish(outcome: SyncResult['outcome'], changes: ChangeSetEntry[]): SyncResult {
    this.#deadlines.close();
    this.result.outcome = outcome;
    this.result.changes = changes;
    this.result.requests = Object.fromEntries(
      Object.entries(this.kube.client.counts).filter(([, v]) => v > 0),
    );
    return this.result;
  }

  fail(stage: Stage, message: string, changes: ChangeSetEntry[], retryable: boolean): SyncResult {
    this.result.error = { stage, message, retryable };
    return this.finish('failed', changes);
  }

  /** A failure thrown out of a stage; whatever was applied before it stays in the result. */
  crash(err: unknown): SyncResult {
    const stage = err instanceof AgentError ? err.stage : this.#current;
    const retryable = err instanceof AgentError ? err.retryable : isRetryable(err);
    const message = redact(err instanceof Error ? err.message : String(err));
    return this.fail(
      stage,
      message,
      this.result.changes.length ? this.result.changes : [...this.#applied],
      retryable,
    );
  }
}
