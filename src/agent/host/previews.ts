import type { Logger } from 'pino';
import type { SyncResult } from '../../core/types.ts';
import type { Kube } from '../../kube/objects.ts';
import { reconcile } from '../../sync/reconcile.ts';
import { previewVerdictOf } from '../../status/describe.ts';
import { loadGitAuth } from '../../source/source.ts';
import { secretsOf, splitUrlCredentials } from '../../source/auth.ts';
import type { PullRequest } from '../../status/types.ts';
import type { TargetConfig } from '../config.ts';
import type { Redactor } from '../redact.ts';
import type { HostReporter } from './reporter.ts';
import { commentMarker, previewComment } from './preview-comment.ts';
import { isFullHead, isResolvableHead, resolvePreviewHead, sameHead } from './preview-head.ts';

const MAX_REMEMBERED = 10_000;

/** What previews need from the agent. */
export interface PreviewDeps {
  kube: Kube;
  cacheDir: string;
  version: string;
  log: Logger;
  redactor: Redactor;
  reporter: HostReporter;
  targetConfig: (target: string) => TargetConfig | undefined;
  /** The targets this replica writes for; only they are previewed. */
  targets: () => string[];
  /** First wait before a head whose preview failed is tried again, in ms, doubling up to 1 h. Default 60000. */
  failureBackoffMs?: number;
}

const MAX_FAILURE_BACKOFF_MS = 3_600_000;

// A preview asked for; `pull` is replaced by the pull request on its full head once an abbreviation is resolved.
interface PreviewJob {
  target: string;
  pull: PullRequest;
}

/** A finished preview, for tests and logs. */
export interface PreviewDone {
  target: string;
  pull: PullRequest;
  result: SyncResult;
}

/**
 * Pull-request previews: a `diff` of a pull request's head commit against the live cluster for each target
 * whose branch it goes into, with nothing applied and no write request (no sync Lease, no inventory or status
 * write), posted as a commit status with the context `…/preview` and, when configured, one comment on the pull
 * request updated in place. Asked for by the webhook receiver (`request`) and by listing open pull requests
 * every `previews.interval`. One preview runs at a time; a newer head of the same pull request replaces one
 * still waiting.
 */
export class Previews {
  readonly #deps: PreviewDeps;
  readonly #waiting = new Map<string, PreviewJob>();
  // The head commit last previewed (or skipped) per target and pull request: a head seen before is not
  // previewed again, also when asked for by an abbreviation of it.
  readonly #done = new Map<string, string>();
  readonly #listeners = new Set<(d: PreviewDone) => void>();
  readonly #nextList = new Map<string, number>();
  // Heads whose preview failed, per target and pull request: tried again only after a doubling wait.
  readonly #failed = new Map<string, { head: string; failures: number; retryAt: number }>();
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;

  constructor(deps: PreviewDeps) {
    this.#deps = deps;
  }

  /**
   * Asks for a preview of a pull request into `target`'s branch; false when the target has no previews, the
   * pull request goes into another branch, its head is neither a full commit hash nor an abbreviated one with a
   * head branch to resolve it from, or this head was previewed already.
   */
  request(target: string, pull: PullRequest): boolean {
    const cfg = this.#deps.targetConfig(target);
    if (!cfg?.host?.previews.enabled || pull.baseRef !== cfg.target.ref || this.#signal?.aborted)
      return false;
    if (!this.#deps.targets().includes(target)) return false;
    // Bitbucket Cloud's pull-request webhook names the head by a 12-character prefix: resolved when it runs.
    if (!isFullHead(pull.headCommit) && !isResolvableHead(pull)) {
      this.#deps.log.info(
        { target, pull: pull.number, head: pull.headCommit },
        'preview skipped: the pull request names its head by no commit hash the agent can resolve',
      );
      return false;
    }
    const key = `${target}#${pull.number}`;
    const failed = this.#failed.get(key);
    if (
      sameHead(this.#done.get(key), pull.headCommit) ||
      sameHead(this.#waiting.get(key)?.pull.headCommit, pull.headCommit) ||
      (failed !== undefined && sameHead(failed.head, pull.headCommit) && failed.retryAt > Date.now())
    )
      return false;
    this.#waiting.set(key, { target, pull });
    this.#pump();
    return true;
  }

  /** Calls `listener` after each preview; returns the unsubscribe function. */
  onDone(listener: (d: PreviewDone) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Lists the open pull requests of each target with previews at once and then every `previews.interval` of
   * that target (checked every `tickMs`), until `signal`.
   */
  start(signal: AbortSignal, tickMs = 1000): void {
    this.#signal = signal;
    const round = async () => {
      await this.poll();
      if (!signal.aborted) this.#timer = setTimeout(() => void round(), tickMs).unref();
    };
    signal.addEventListener('abort', () => clearTimeout(this.#timer), { once: true });
    void round();
  }

  /** One listing round: for each target whose interval is up, asks for a preview of every open pull request whose head is new. */
  async poll(now = Date.now()): Promise<void> {
    for (const target of this.#deps.targets()) {
      const cfg = this.#deps.targetConfig(target);
      if (!cfg?.host?.previews.enabled || cfg.host.previews.intervalMs === 0) continue;
      if ((this.#nextList.get(target) ?? 0) > now) continue;
      this.#nextList.set(target, now + cfg.host.previews.intervalMs);
      const w = this.#deps.reporter.writerOf(target);
      if (!w?.writer.openPulls) continue;
      try {
        for (const pull of await w.writer.openPulls(cfg.target.ref, this.#signal)) this.request(target, pull);
      } catch (err) {
        this.#deps.log.warn(
          { target, err: this.#deps.redactor.redact((err as Error).message) },
          'could not list open pull requests',
        );
      }
    }
  }

  /** Resolves when no preview waits or runs. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  // Bounded: the oldest pull requests are forgotten first (a forgotten one is at worst previewed once more).
  #remember(key: string, head: string): void {
    this.#done.delete(key);
    this.#done.set(key, head);
    if (this.#done.size > MAX_REMEMBERED) this.#done.delete(this.#done.keys().next().value!);
  }

  #pump(): void {
    if (this.#running) return;
    const next = this.#waiting.entries().next();
    if (next.done) return;
    const [key, job] = next.value;
    this.#waiting.delete(key);
    const asked = job.pull.headCommit;
    this.#running = this.#run(job)
      .catch((err: unknown) => this.#runFailed(job.target, job.pull, err))
      .then((state) => {
        // A preview the agent could not finish (API server down, a commit it cannot fetch) is tried again later.
        if (state === 'error') this.#backOff(key, asked);
        // A late webhook of an older head leaves alone the record of the newer head previewed meanwhile.
        else if (state === 'skipped' && this.#done.has(key)) return;
        else if (state !== 'stopped') {
          this.#failed.delete(key);
          this.#remember(key, job.pull.headCommit);
        }
      })
      .finally(() => {
        this.#running = undefined;
        this.#pump();
      });
  }

  #backOff(key: string, head: string): void {
    const prev = this.#failed.get(key);
    const failures = prev?.head === head ? prev.failures + 1 : 1;
    const wait = Math.min(
      MAX_FAILURE_BACKOFF_MS,
      (this.#deps.failureBackoffMs ?? 60_000) * 2 ** (failures - 1),
    );
    this.#failed.delete(key);
    this.#failed.set(key, { head, failures, retryAt: Date.now() + wait });
    if (this.#failed.size > MAX_REMEMBERED) this.#failed.delete(this.#failed.keys().next().value!);
  }

  // A preview that threw replaces its `pending` with `error`, unless the agent is stopping; one whose abbreviated
  // head could not be resolved has no commit to post on, so it is only logged (and backed off like an error).
  #runFailed(target: string, pull: PullRequest, err: unknown): 'error' | 'stopped' {
    if (this.#signal?.aborted) return 'stopped';
    const { reporter, redactor, log } = this.#deps;
    const message = redactor.redact((err as Error)?.message ?? String(err));
    const fields = { target, pull: pull.number, head: pull.headCommit, err: message };
    if (!isFullHead(pull.headCommit)) {
      log.warn(fields, 'preview postponed: the abbreviated head commit could not be resolved');
      return 'error';
    }
    log.warn(fields, 'preview failed');
    const w = reporter.writerOf(target);
    if (w) {
      const description = `preview failed: ${message}`;
      reporter.post(
        target,
        pull.headCommit,
        { state: 'error', description },
        { context: `${w.context}/preview` },
      );
      reporter.metrics.previews.inc({ target, state: 'error' });
    }
    return 'error';
  }

  async #run(job: PreviewJob): Promise<string | undefined> {
    const { reporter, redactor, log } = this.#deps;
    const { target } = job;
    const cfg = this.#deps.targetConfig(target);
    const w = reporter.writerOf(target);
    if (!cfg || !w) return undefined;
    if (!isFullHead(job.pull.headCommit)) {
      // Nothing is posted before the full commit is known: no status can go on an abbreviation.
      const split = splitUrlCredentials(cfg.target.url, await loadGitAuth(cfg.auth));
      redactor.add(...secretsOf(split.auth));
      const head = await resolvePreviewHead(job.pull, { ...split, signal: this.#signal });
      if (head.kind === 'skipped') {
        log.info({ target, pull: job.pull.number, head: job.pull.headCommit }, head.message);
        return 'skipped';
      }
      job.pull = head.pull;
    }
    const { pull } = job;
    const context = `${w.context}/preview`;
    reporter.post(
      target,
      pull.headCommit,
      { state: 'pending', description: 'preview in progress' },
      { context },
    );
    const split = splitUrlCredentials(cfg.target.url, await loadGitAuth(cfg.auth));
    redactor.add(...secretsOf(split.auth));
    // `diff` takes no Lease and writes nothing: the plan's dry-runs are the only requests beyond reads.
    const result = await reconcile(
      { ...cfg.target, url: split.url, ref: pull.headCommit },
      { kube: this.#deps.kube, cacheDir: this.#deps.cacheDir, auth: split.auth, version: this.#deps.version },
      { mode: 'diff', signal: this.#signal },
    );
    // Stopping is no verdict on the pull request: its preview runs again after the restart.
    if (this.#signal?.aborted) return 'stopped';
    if (result.error) result.error.message = redactor.redact(result.error.message);
    const verdict = previewVerdictOf(result);
    reporter.post(target, pull.headCommit, verdict, { context });
    reporter.metrics.previews.inc({ target, state: verdict.state });
    log.info(
      { target, pull: pull.number, head: pull.headCommit, state: verdict.state, requests: result.requests },
      `preview: ${verdict.description}`,
    );
    if (cfg.host?.previews.comment && w.writer.upsertComment) {
      const body = redactor.redact(previewComment(context, pull.headCommit, verdict.description, result));
      await w.writer
        .upsertComment(pull.number, commentMarker(context), body, this.#signal)
        .catch((err: unknown) =>
          log.warn(
            { target, pull: pull.number, err: redactor.redact((err as Error).message) },
            'could not comment on the pull request',
          ),
        );
    }
    for (const l of this.#listeners) l({ target, pull, result });
    return verdict.state;
  }
}
