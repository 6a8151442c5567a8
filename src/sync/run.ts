import type { ChangeSetEntry, Stage, SyncResult, SyncTarget } from '../core/types.ts';
import type { ReconcileDeps } from './reconcile.ts';
import { AgentError } from '../core/errors.ts';
import { FIELD_MANAGER } from '../core/ownership.ts';
import { isRetryable } from '../kube/errors.ts';
import { redact } from '../source/auth.ts';

/** Bookkeeping of one reconcile: stage timings, request counts and the result being built. */
export class Run {
  readonly result: SyncResult;
  readonly saveOpts: { fieldManager: string; version: string };
  readonly #deps: ReconcileDeps;
  readonly #countsAtStart: Record<string, number>;
  #current: Stage = 'source';

  constructor(target: SyncTarget, deps: ReconcileDeps) {
    this.#deps = deps;
    this.#countsAtStart = { ...deps.kube.client.counts };
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

  async stage<T>(stage: Stage, fn: () => Promise<T>): Promise<T> {
    this.#current = stage;
    this.#deps.onEvent?.({ type: 'stage-start', stage });
    const start = performance.now();
    try {
      return await fn();
    } finally {
      // A failing stage took time too; without it a failed sync reported "in 0.0s ()".
      const ms = Math.round(performance.now() - start);
      this.result.timings[stage] = (this.result.timings[stage] ?? 0) + ms;
      this.#deps.onEvent?.({ type: 'stage-done', stage, ms });
    }
  }

  finish(outcome: SyncResult['outcome'], changes: ChangeSetEntry[]): SyncResult {
    this.result.outcome = outcome;
    this.result.changes = changes;
    this.result.requests = this.#requests();
    return this.result;
  }

  fail(stage: Stage, message: string, changes: ChangeSetEntry[], retryable: boolean): SyncResult {
    this.result.error = { stage, message, retryable };
    return this.finish('failed', changes);
  }

  crash(err: unknown): SyncResult {
    const stage = err instanceof AgentError ? err.stage : this.#current;
    const retryable = err instanceof AgentError ? err.retryable : isRetryable(err);
    const message = redact(err instanceof Error ? err.message : String(err));
    return this.fail(stage, message, this.result.changes, retryable);
  }

  #requests(): Record<string, number> {
    const now = this.#deps.kube.client.counts;
    return Object.fromEntries(
      Object.entries(now)
        .map(([k, v]) => [k, v - (this.#countsAtStart[k] ?? 0)])
        .filter(([, v]) => (v as number) > 0),
    );
  }
}
