import type { KubeObject } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import { readSelector, selectorQuery } from './selector.ts';

/**
 * The pods that the given workloads may own: one LIST per namespace, filtered by the workload's own
 * selector when it is the only one there. A failed LIST (RBAC without pods, say) yields no pods: causes
 * explain health, they must never fail it.
 */
export async function podsFor(kube: Kube, workloads: readonly KubeObject[]): Promise<KubeObject[]> {
  const byNamespace = new Map<string, KubeObject[]>();
  for (const w of workloads) {
    const ns = w.metadata.namespace;
    if (!ns) continue;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), w]);
  }
  const lists = await Promise.all(
    [...byNamespace].map(async ([namespace, ws]) => {
      const selector = ws.length === 1 ? readSelector(fieldSelector(ws[0]!)) : undefined;
      const labelSelector = selector ? selectorQuery(selector) || undefined : undefined;
      try {
        return await kube.list('', 'Pod', { namespace, labelSelector });
      } catch {
        return [];
      }
    }),
  );
  return lists.flat();
}

function fieldSelector(workload: KubeObject): unknown {
  const spec = workload.spec;
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).selector : undefined;
}
