import type { Stage, SyncResult } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import { reconcile } from '../sync/reconcile.ts';
import type { RenderCache } from '../sync/render-cache.ts';
import type { SyncEvent } from '../sync/events.ts';
import { loadGitAuth } from '../source/source.ts';
import { secretsOf, splitUrlCredentials } from '../source/auth.ts';
import type { TargetConfig } from './config.ts';
import type { Redactor } from './redact.ts';
import { acquireSyncLock, type SyncLock, type SyncLockOptions } from '../sync/lock.ts';

/** What one sync of a target needs from the agent. */
export interface SyncOnceDeps {
  kube: Kube;
  cacheDir: string;
  version: string;
  redactor: Redactor;
  /** Stops the sync at its next API request (the agent is stopping, or the target was handed away). */
  signal: AbortSignal;
  /** This replica's holder identity: the target's Lease held under it (sharding) is the sync lock already. */
  identity: string;
  /** Lease timing of the sync lock. */
  timing: SyncLockOptions['timing'];
}

/**
 * One sync of a target: reads its Git token afresh (a rotated Secret is picked up), tells the redactor the
 * token, and runs the engine; every failure, also of the token, comes back as a result with its message
 * redacted, never as a throw.
 */
export async function syncOnce(
  cfg: TargetConfig,
  renderCache: RenderCache,
  deps: SyncOnceDeps,
  mode: 'sync' | 'diff',
  onEvent: (e: SyncEvent) => void,
): Promise<SyncResult> {
  const { redactor } = deps;
  let lock: SyncLock | undefined;
  try {
    const split = splitUrlCredentials(cfg.target.url, await loadGitAuth(cfg.auth));
    redactor.add(...secretsOf(split.auth));
    // A manual `gitops-agent sync` of the same target takes the same Lease: one waits for the other.
    if (mode === 'sync')
      lock = await acquireSyncLock(deps.kube.client, cfg.target, {
        identity: deps.identity,
        timing: deps.timing,
        signal: deps.signal,
      });
    const signal = lock ? AbortSignal.any([deps.signal, lock.signal]) : deps.signal;
    const result = await reconcile(
      { ...cfg.target, url: split.url },
      {
        kube: deps.kube,
        cacheDir: deps.cacheDir,
        auth: split.auth,
        version: deps.version,
        onEvent,
        renderCache,
      },
      { mode, signal },
    );
    if (result.error) result.error.message = redactor.redact(result.error.message);
    return result;
  } catch (err) {
    // Only the token, URL and lock steps above throw; reconcile itself returns every failure as a result.
    const e = err as Error & { retryable?: boolean };
    return {
      target: cfg.target.name,
      url: redactor.redact(cfg.target.url),
      ref: cfg.target.ref,
      outcome: 'failed',
      error: {
        stage: (e as { stage?: Stage }).stage ?? 'source',
        message: redactor.redact(e.message),
        retryable: e.retryable ?? true,
      },
      changes: [],
      health: [],
      timings: {},
      requests: {},
    };
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
