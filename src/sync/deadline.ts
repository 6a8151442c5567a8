import type { Stage } from '../core/types.ts';
import { AgentError } from '../core/errors.ts';

/** Options of a sync's deadlines. */
export interface DeadlineOptions {
  /** Seconds the whole sync may take, every stage included. Default 1200. */
  syncTimeoutSeconds: number;
  /**
   * Seconds any one stage may take. Default 600. The health stage has its own bound,
   * `healthTimeoutSeconds`, and only the sync's deadline on top of it.
   */
  stageTimeoutSeconds: number;
}

/** Defaults of DeadlineOptions. */
export const DEFAULT_DEADLINES: Readonly<DeadlineOptions> = {
  syncTimeoutSeconds: 1200,
  stageTimeoutSeconds: 600,
};

/** Stable codes of DeadlineError: which of the two deadlines passed. */
export type DeadlineCode = 'SYNC_DEADLINE' | 'STAGE_DEADLINE';

/** A sync stopped because its deadline or its stage's passed; retryable, as the next sync starts afresh. */
export class DeadlineError extends AgentError {
  readonly code: DeadlineCode;

  constructor(code: DeadlineCode, stage: Stage, seconds: number) {
    const what =
      code === 'SYNC_DEADLINE'
        ? `the sync did not finish within its deadline of ${seconds} s (syncTimeoutSeconds)`
        : `${stage} did not finish within the stage deadline of ${seconds} s (stageTimeoutSeconds)`;
    super(stage, `${what}; stopped during ${stage}, requests still in flight were cut off`, {
      retryable: true,
    });
    this.name = 'DeadlineError';
    this.code = code;
  }
}

/**
 * The deadlines of one sync: one for the whole run, started at construction, and one per stage, restarted
 * by `enter`. `signal` is aborted, with a DeadlineError as reason, as soon as either passes.
 */
export class Deadlines {
  readonly #options: DeadlineOptions;
  readonly #sync = new AbortController();
  readonly #syncTimer: NodeJS.Timeout;
  #stage: Stage = 'source';
  #stageTimer: NodeJS.Timeout | undefined;
  #signal: AbortSignal;

  constructor(options: Partial<DeadlineOptions> = {}) {
    // An unset key (undefined, as a target without the key passes it) keeps its default.
    this.#options = {
      syncTimeoutSeconds: options.syncTimeoutSeconds ?? DEFAULT_DEADLINES.syncTimeoutSeconds,
      stageTimeoutSeconds: options.stageTimeoutSeconds ?? DEFAULT_DEADLINES.stageTimeoutSeconds,
    };
    for (const [key, v] of Object.entries(this.#options))
      if (!(v > 0)) throw new RangeError(`${key} must be a number of seconds above 0: received ${v}`);
    const { syncTimeoutSeconds } = this.#options;
    this.#syncTimer = setTimeout(
      () => this.#sync.abort(new DeadlineError('SYNC_DEADLINE', this.#stage, syncTimeoutSeconds)),
      syncTimeoutSeconds * 1000,
    );
    this.#signal = this.#sync.signal;
  }

  /** Aborted when the sync's or the current stage's deadline passes; its reason is the DeadlineError. */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Starts the deadline of a stage (the health stage has none of its own) and returns the signal for it. */
  enter(stage: Stage): AbortSignal {
    clearTimeout(this.#stageTimer);
    this.#stage = stage;
    if (stage === 'health' || this.#sync.signal.aborted) return (this.#signal = this.#sync.signal);
    const own = new AbortController();
    const { stageTimeoutSeconds } = this.#options;
    this.#stageTimer = setTimeout(
      () => own.abort(new DeadlineError('STAGE_DEADLINE', stage, stageTimeoutSeconds)),
      stageTimeoutSeconds * 1000,
    );
    return (this.#signal = AbortSignal.any([this.#sync.signal, own.signal]));
  }

  /** Stops both timers; the run is over. */
  close(): void {
    clearTimeout(this.#syncTimer);
    clearTimeout(this.#stageTimer);
  }
}
