import type { Health, KubeObject, ObjectHealth, ObjectKey } from '../core/types.ts';
import { objectKey, refOf } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';
import { listByLabel, type GroupKind } from '../kube/list.ts';
import { computeHealth } from './compute.ts';
import { readConditions } from './conditions.ts';
import { explainHealth, isWorkload } from './blockers.ts';
import { observeWorkloads } from './observe.ts';

/** Options of a health wait. */
export interface WaitOptions {
  /** Give up after this long; 0 computes health once and returns. */
  timeoutMs: number;
  /** Pause between polls. Default 1000. */
  intervalMs?: number;
  /** Label selector that matches every watched object (the ApplySet part-of label). */
  labelSelector: string;
  /** Objects already read, used for the first round instead of listing again. */
  initial?: KubeObject[];
  /** Called after every poll with the objects not yet Current. */
  onPoll?: (pending: ObjectHealth[]) => void;
  /** How long a workload's new pods may stay blocked (image pull, crash loop, …) before it is Failed. Default 120000. */
  failureGraceMs?: number;
  /**
   * Jobs whose ttlSecondsAfterFinished may delete them once they finish, and that this sync applied or
   * found already run: gone, they are Current. A Job seen complete during the wait is treated so too.
   */
  selfDeletingJobs?: ReadonlySet<ObjectKey>;
  /**
   * Objects this sync created or changed: their grace starts with the wait at the earliest, so the pods of the
   * revision being replaced, blocked since before the change, do not fail the rollout that replaces them.
   */
  changed?: ReadonlySet<ObjectKey>;
}

const NOT_FOUND: Health = { status: 'NotFound', message: 'Resource not found' };
const JOB_RAN: Health = {
  status: 'Current',
  message: 'Job ran to completion and was deleted after it finished (ttlSecondsAfterFinished)',
};

/**
 * Polls the objects until every one is Current, any is Failed and the rest are Current, or the timeout
 * passes; returns each object's last health. Each poll lists (by label) only the kinds that still have an
 * object not Current, and keeps health results rather than objects. Unknown is not healthy. Workloads
 * not Current get their cause from their pods (one pod LIST per namespace that has such a workload) or,
 * for a StatefulSet, DaemonSet or Job without pods, from its FailedCreate events (one LIST per namespace).
 */
export async function waitForHealth(
  kube: Kube,
  objects: KubeObject[],
  options: WaitOptions,
): Promise<ObjectHealth[]> {
  const refs = objects.map(refOf);
  const keys = refs.map(objectKey);
  const kindOf = new Map<ObjectKey, string>(refs.map((r, i) => [keys[i]!, `${r.group}/${r.kind}`]));
  const health = new Map<ObjectKey, Health>();
  const namespaces = [...new Set(refs.map((r) => r.namespace).filter(Boolean))];
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  const graceMs = options.failureGraceMs ?? 120_000;
  const finished = new Set<ObjectKey>(options.selfDeletingJobs);
  let observed = options.initial;
  for (;;) {
    const pendingKinds = new Set(
      keys.filter((k) => health.get(k)?.status !== 'Current').map((k) => kindOf.get(k)!),
    );
    observed ??= await listByLabel(
      kube,
      [...pendingKinds].map(toGroupKind),
      namespaces,
      options.labelSelector,
    );
    const seen = new Set<ObjectKey>();
    const now = new Date();
    const blocked: KubeObject[] = [];
    for (const o of observed) {
      const key = objectKey(refOf(o));
      if (!kindOf.has(key)) continue;
      seen.add(key);
      const h = computeHealth(o, now);
      health.set(key, h);
      if (isCompleteJob(o)) finished.add(key);
      if ((h.status === 'InProgress' || h.status === 'Failed') && isWorkload(o)) blocked.push(o);
    }
    if (blocked.length > 0) {
      const explaining = await observeWorkloads(kube, blocked);
      for (const o of blocked) {
        const key = objectKey(refOf(o));
        const notBeforeMs = options.changed?.has(key) ? startedAt : undefined;
        health.set(key, explainHealth(health.get(key)!, o, explaining, { graceMs, now, notBeforeMs }));
      }
    }
    for (const k of keys) {
      if (pendingKinds.has(kindOf.get(k)!) && !seen.has(k))
        health.set(k, finished.has(k) ? JOB_RAN : NOT_FOUND);
    }
    const result = refs.map((ref, i) => ({ ref, ...(health.get(keys[i]!) ?? NOT_FOUND) }));
    const pending = result.filter((h) => h.status !== 'Current');
    options.onPoll?.(pending);
    if (pending.every((h) => h.status === 'Failed') || Date.now() >= deadline) return result;
    await new Promise((r) =>
      setTimeout(r, Math.min(options.intervalMs ?? 1000, Math.max(0, deadline - Date.now()))),
    );
    observed = undefined;
  }
}

function isCompleteJob(o: KubeObject): boolean {
  if (o.kind !== 'Job' || !o.apiVersion.startsWith('batch/')) return false;
  const parsed = readConditions(o);
  return parsed.ok && parsed.conditions.some((c) => c.type === 'Complete' && c.status === 'True');
}

function toGroupKind(key: string): GroupKind {
  const slash = key.indexOf('/');
  return { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}
