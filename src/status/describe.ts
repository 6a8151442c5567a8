import type { Action, SyncResult } from '../core/types.ts';
import type { CommitState } from './types.ts';

/** The state and one-line description of a finished sync, before it is cut to a host's limit. */
export interface Verdict {
  state: CommitState;
  description: string;
}

// The order counts are listed in: what changed first, then what stayed.
const ACTIONS: [Action, string][] = [
  ['created', 'created'],
  ['configured', 'configured'],
  ['deleted', 'pruned'],
  ['failed', 'failed'],
  ['skipped', 'skipped'],
];

/**
 * What a sync result says on its commit: `success` with counts ("3 configured, 1 pruned, 12/12 healthy"),
 * `failure` with the first cause when the commit is at fault (it does not render, an object is rejected, an
 * object is unhealthy), `error` when the agent could not finish for a reason outside the commit (the API server
 * or the Git host unreachable, a timeout).
 */
export function verdictOf(result: SyncResult): Verdict {
  if (result.outcome === 'failed') {
    const cause = firstLine(result.error?.message ?? 'sync failed');
    const stage = result.error?.stage ?? 'sync';
    if (result.error?.retryable) return { state: 'error', description: `${stage}: ${cause}` };
    return { state: 'failure', description: cause };
  }
  const healthy = result.health.filter((h) => h.status === 'Current').length;
  const health = result.health.length ? `${healthy}/${result.health.length} healthy` : '';
  if (result.outcome === 'unhealthy') {
    const bad =
      result.health.find((h) => h.status === 'Failed') ?? result.health.find((h) => h.status !== 'Current');
    // `Kind/name` without group and namespace: the description is short, and the target names the namespace.
    const why = bad?.cause
      ? `${stableReason(bad.cause.reason)}${bad.cause.image ? ` ${bad.cause.image}` : ''}`
      : (bad?.message ?? 'not healthy');
    return {
      state: 'failure',
      description: bad ? `${bad.ref.kind}/${bad.ref.name}: ${firstLine(why)}` : health,
    };
  }
  const counts = ACTIONS.flatMap(([action, word]) => {
    const n = result.changes.filter((c) => c.action === action).length;
    return n ? [`${n} ${word}`] : [];
  });
  return {
    state: 'success',
    description: [...(counts.length ? counts : ['unchanged']), health].filter(Boolean).join(', '),
  };
}

/** What a diff of a pull request's head says: "would create 2, configure 1, prune 1", or the first cause. */
export function previewVerdictOf(result: SyncResult): Verdict {
  if (result.outcome === 'failed') {
    const cause = firstLine(result.error?.message ?? 'diff failed');
    return { state: result.error?.retryable ? 'error' : 'failure', description: cause };
  }
  const count = (a: Action) => result.changes.filter((c) => c.action === a).length;
  const parts = [
    [count('created'), 'create'],
    [count('configured'), 'configure'],
    [count('deleted'), 'prune'],
  ].flatMap(([n, verb]) => (n ? [`${verb} ${n}`] : []));
  return { state: 'success', description: parts.length ? `would ${parts.join(', ')}` : 'no changes' };
}

/** Cuts a description to `max` characters on a character boundary, marking the cut with an ellipsis. */
export function fitDescription(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? text
  );
}

// The kubelet alternates ErrImagePull and ImagePullBackOff for one image that cannot be pulled; one name keeps the
// description of an unchanged verdict unchanged, so re-checks post nothing (and stay under GitHub's 1,000 cap).
function stableReason(reason: string): string {
  return reason === 'ErrImagePull' ? 'ImagePullBackOff' : reason;
}
