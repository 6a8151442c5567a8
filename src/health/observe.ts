import type { KubeObject } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import { newPods, type Observed } from './blockers.ts';
import { reportsCreateFailuresAsEvents } from './create-failure.ts';
import { createFailureEvents } from './events.ts';
import { readSelector, selectorQuery } from './selector.ts';

/**
 * What explains the given workloads: the pods they may own, with one LIST per namespace (filtered by the
 * workload's own selector when it is the only one there), and FailedCreate events only in namespaces with
 * a StatefulSet, DaemonSet or Job that has no pods, since those controllers report pods they cannot
 * create in no other way.
 */
export async function observeWorkloads(kube: Kube, workloads: readonly KubeObject[]): Promise<Observed> {
  const pods = await podsFor(kube, workloads);
  const silent = workloads.filter((w) => reportsCreateFailuresAsEvents(w) && newPods(w, pods).length === 0);
  const namespaces = [...new Set(silent.flatMap((w) => w.metadata.namespace ?? []))];
  const events = namespaces.length > 0 ? await createFailureEvents(kube, namespaces) : [];
  return { pods, events };
}

// A failed LIST (RBAC without pods, say) yields no pods: causes explain health, they must never fail it.
async function podsFor(kube: Kube, workloads: readonly KubeObject[]): Promise<KubeObject[]> {
  const byNamespace = new Map<string, KubeObject[]>();
  for (const w of workloads) {
    const ns = w.metadata.namespace;
    if (!ns) continue;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), w]);
  }
  const lists = await Promise.all(
    [...byNamespace].map(async ([namespace, ws]) => {
      const selector = ws.length === 1 ? readSelector(specSelector(ws[0]!)) : undefined;
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

function specSelector(workload: KubeObject): unknown {
  const spec = workload.spec;
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).selector : undefined;
}
