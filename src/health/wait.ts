import type { KubeObject, ObjectHealth, ObjectKey, ObjectRef } from '../core/types.ts';
import { groupOf, objectKey, refOf } from '../core/refs.ts';
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

/**
 * Polls the objects (one labelled LIST per kind) until every one is Current, any is Failed
 * and the rest are Current, or the timeout passes; returns each object's last health. Unknown is not healthy.
 */
export async function waitForHealth(
  kube: Kube,
  objects: KubeObject[],
  options: WaitOptions,
): Promise<ObjectHealth[]> {
  const refs = objects.map(refOf);
  const kinds = new Map<string, GroupKind>();
  const namespaces = new Set<string>();
  for (const o of objects) {
    kinds.set(`${groupOf(o.apiVersion)}/${o.kind}`, { group: groupOf(o.apiVersion), kind: o.kind });
    if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
  }
  const deadline = Date.now() + options.timeoutMs;
  let observed = options.initial;
  for (;;) {
    observed ??= await listByLabel(kube, [...kinds.values()], [...namespaces], options.labelSelector);
    const health = evaluate(refs, observed);
    const pending = health.filter((h) => h.status !== 'Current');
    options.onPoll?.(pending);
    const settled = pending.every((h) => h.status === 'Failed');
    if (settled || Date.now() >= deadline) return health;
    await new Promise((r) =>
      setTimeout(r, Math.min(options.intervalMs ?? 1000, Math.max(0, deadline - Date.now()))),
    );
    observed = undefined;
  }
}

function evaluate(refs: ObjectRef[], observed: KubeObject[]): ObjectHealth[] {
  const byKey = new Map<ObjectKey, KubeObject>(observed.map((o) => [objectKey(refOf(o)), o]));
  return refs.map((ref) => {
    const live = byKey.get(objectKey(ref));
    if (!live) return { ref, status: 'NotFound', message: 'Resource not found' };
    return { ref, ...computeHealth(live) };
  });
}
