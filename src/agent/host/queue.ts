import type { CommitState, CommitStatus, PostedStatus, StatusWriter } from '../../status/types.ts';
import { HostError } from '../../status/errors.ts';

/** One status to bring onto one commit. */
export interface StatusJob {
  target: string;
  writer: StatusWriter;
  /** Identifies the writer's repository, so jobs of two repositories never share a key. */
  repository: string;
  sha: string;
  status: CommitStatus;
  /** Post only when the commit has no final status of this context yet (a pending at a re-check keeps the verdict). */
  onlyIfNew?: boolean;
  /** The target's own context, not a preview's: only its outcomes tell the target's host state. */
  own?: boolean;
  /** Post only when the state differs: a re-check that changed nothing keeps the description of the sync that deployed. */
  keepSameState?: boolean;
}

/** What became of a job. */
export type JobOutcome =
  | { kind: 'posted'; job: StatusJob }
  /** `known`: the host was not asked, as this process last saw that very status on the commit. */
  | { kind: 'unchanged'; job: StatusJob; known?: boolean }
  | { kind: 'failed'; job: StatusJob; error: HostError }
  | { kind: 'dropped'; job: StatusJob };

/** Options of the StatusQueue. */
export interface StatusQueueOptions {
  /** Jobs waiting (queued or between retries) at most; the oldest waiting job is dropped beyond it. Default 1000. */
  capacity?: number;
  /** Jobs in flight at once. Default 2. */
  concurrency?: number;
  /** Attempts of one job, the first included. Default 6. */
  attempts?: number;
  /** First wait after a retryable failure, doubling, in ms; a longer Retry-After wins. Default 1000. */
  initialBackoffMs?: number;
  /** Longest wait between attempts, in ms (a longer Retry-After is waited out too). Default 60000. */
  maxBackoffMs?: number;
  /** Longest Retry-After or rate-limit reset waited out, in ms (timers over 2^31 ms fire at once). Default 3600000. */
  maxRetryAfterMs?: number;
  /** Statuses remembered as the host last had them, per commit and context (the oldest forgotten first). Default 4096. */
  remembered?: number;
  /** Told every outcome; must not throw. */
  onOutcome?: (outcome: JobOutcome) => void;
}

const DEFAULTS: Required<Omit<StatusQueueOptions, 'onOutcome'>> = {
  capacity: 1000,
  concurrency: 2,
  attempts: 6,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxRetryAfterMs: 3_600_000,
  remembered: 4096,
};

interface Entry {
  job: StatusJob;
  key: string;
  attempt: number;
}

/**
 * A bounded queue of status posts that never blocks its caller: `push` returns at once. Jobs of one commit and
 * context run one after another in order (a retry keeps its place); before posting, each reads the host's newest status of its context
 * and posts only on a change. Retryable failures (5xx, 429, no answer) wait for the host's Retry-After or a
 * doubling backoff, off the queue; the others (401, 403, 404, 422) are reported once and dropped.
 */
export class StatusQueue {
  readonly #opts: Required<Omit<StatusQueueOptions, 'onOutcome'>>;
  readonly #onOutcome: (o: JobOutcome) => void;
  readonly #waiting: Entry[] = [];
  readonly #busyKeys = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #stop = new AbortController();
  readonly #idle = new Set<() => void>();
  // What the host last had per key, as read or posted by this process: a re-check of an unchanged verdict needs
  // no request at all (two reads per target and interval reached GitHub's 5,000 requests an hour at 40 targets).
  readonly #known = new Map<string, PostedStatus>();
  #running = 0;
  #retrying = 0;

  constructor(opts: StatusQueueOptions = {}) {
    this.#opts = {
      ...DEFAULTS,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    };
    this.#onOutcome = opts.onOutcome ?? (() => {});
  }

  /** Jobs queued, in flight or waiting for a retry. */
  get depth(): number {
    return this.#waiting.length + this.#running + this.#retrying;
  }

  /** Adds a job; returns at once. False when the queue is stopped. */
  push(job: StatusJob): boolean {
    if (this.#stop.signal.aborted) return false;
    const key = `${job.writer.provider}\n${job.repository}\n${job.sha}\n${job.status.context}`;
    // A newer status of the same commit and context replaces one not yet started: only the last one matters.
    const queued = this.#waiting.findIndex((e) => e.key === key);
    if (queued >= 0) this.#waiting.splice(queued, 1);
    this.#waiting.push({ job, key, attempt: 1 });
    while (this.#waiting.length + this.#retrying > this.#opts.capacity) {
      const dropped = this.#waiting.shift();
      if (!dropped) break;
      this.#onOutcome({ kind: 'dropped', job: dropped.job });
    }
    this.#pump();
    return true;
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Drops every waiting job and retry; a post in flight is aborted. */
  stop(): void {
    this.#stop.abort(new Error('the agent is stopping'));
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#retrying = 0;
    this.#waiting.length = 0;
    this.#busyKeys.clear();
    this.#checkIdle();
  }

  #pump(): void {
    while (this.#running < this.#opts.concurrency) {
      const i = this.#waiting.findIndex((e) => !this.#busyKeys.has(e.key));
      if (i < 0) break;
      const [entry] = this.#waiting.splice(i, 1);
      this.#running++;
      this.#busyKeys.add(entry!.key);
      void this.#run(entry!).then((retrying) => {
        this.#running--;
        // A job waiting for its retry keeps its key: a newer status of the same commit waits behind it.
        if (!retrying) this.#busyKeys.delete(entry!.key);
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  // Resolves true when the job waits for a retry.
  async #run(entry: Entry): Promise<boolean> {
    const { job } = entry;
    const signal = this.#stop.signal;
    try {
      const known = this.#known.get(entry.key);
      if (known && unchanged(job, known)) {
        this.#onOutcome({ kind: 'unchanged', job, known: true });
        return false;
      }
      const latest = await job.writer.latest(job.sha, job.status.context, signal);
      if (latest) this.#remember(entry.key, latest);
      if (latest && unchanged(job, latest)) {
        this.#onOutcome({ kind: 'unchanged', job });
        return false;
      }
      this.#known.delete(entry.key);
      await job.writer.post(job.sha, job.status, signal);
      this.#remember(entry.key, job.status);
      this.#onOutcome({ kind: 'posted', job });
      return false;
    } catch (err) {
      if (signal.aborted) return false;
      const error =
        err instanceof HostError
          ? err
          : new HostError(String((err as Error).message ?? err), {
              code: 'HOST_INVALID',
              status: 0,
              retryable: false,
            });
      if (!error.retryable || entry.attempt >= this.#opts.attempts) {
        this.#onOutcome({ kind: 'failed', job, error });
        return false;
      }
      this.#retryLater(entry, error);
      return true;
    }
  }

  #remember(key: string, status: PostedStatus): void {
    this.#known.delete(key);
    this.#known.set(key, { state: status.state, description: status.description });
    if (this.#known.size > this.#opts.remembered) this.#known.delete(this.#known.keys().next().value!);
  }

  #retryLater(entry: Entry, error: HostError): void {
    const backoff = Math.min(this.#opts.maxBackoffMs, this.#opts.initialBackoffMs * 2 ** (entry.attempt - 1));
    const delay = Math.max(backoff, Math.min(this.#opts.maxRetryAfterMs, error.retryAfterMs ?? 0));
    this.#retrying++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#retrying--;
      this.#busyKeys.delete(entry.key);
      // A retry keeps its place: statuses of one commit and context reach the host in the order they were made.
      this.#waiting.unshift({ ...entry, attempt: entry.attempt + 1 });
      this.#pump();
      this.#checkIdle();
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  #checkIdle(): void {
    if (this.depth > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }
}

// Whether the host's newest status of the job's context makes the job needless; states compared in the host's
// words (GitLab and Bitbucket give an `error` posted as failed back as `failure`).
function unchanged(job: StatusJob, latest: PostedStatus): boolean {
  const inHostWords = (state: CommitState) => job.writer.toHost?.(state) ?? state;
  const same =
    inHostWords(latest.state) === inHostWords(job.status.state) &&
    // GitLab refuses pending → pending ("Cannot transition status"), whatever the description says.
    (latest.description === job.status.description ||
      latest.state === 'pending' ||
      job.keepSameState === true);
  return same || (job.onlyIfNew === true && latest.state !== 'pending');
}
