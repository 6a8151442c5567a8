import type { Health, KubeObject, ObjectHealth, ObjectKey } from '../core/types.ts';
import { objectKey, refOf } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';
import { listByLabel, type GroupKind } from '../kube/list.ts';
import { computeHealth } from './compute.ts';

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
}

const NOT_FOUND: Health = { status: 'NotFound', message: 'Resource not found' };

/**
 * Polls the objects until every one is Current, any is Failed and the rest are Current, or the timeout
 * passes; returns each object's last health. Each poll lists (by label) only the kinds that still have an
 * object not Current, and keeps health results rather than objects. Unknown is not healthy.
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
  const deadline = Date.now() + options.timeoutMs;
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
    for (const o of observed) {
      const key = objectKey(refOf(o));
      if (!kindOf.has(key)) continue;
      seen.add(key);
      health.set(key, computeHealth(o));
    }
    for (const k of keys) if (pendingKinds.has(kindOf.get(k)!) && !seen.has(k)) health.set(k, NOT_FOUND);
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

function toGroupKind(key: string): GroupKind {
  const slash = key.indexOf('/');
  return { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}
