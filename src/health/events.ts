import type { KubeObject } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';

/**
 * The FailedCreate Warning events of the given namespaces, one LIST each, filtered by the API server. A
 * failed LIST yields none: events explain health, they must never fail it.
 */
export async function createFailureEvents(kube: Kube, namespaces: readonly string[]): Promise<KubeObject[]> {
  const lists = await Promise.all(
    namespaces.map(async (ns) => {
      try {
        const res = await kube.client.request({
          method: 'GET',
          verb: 'LIST',
          path: `/api/v1/namespaces/${encodeURIComponent(ns)}/events`,
          query: { fieldSelector: 'type=Warning,reason=FailedCreate', limit: '500' },
        });
        return (res.body as { items?: KubeObject[] }).items ?? [];
      } catch {
        return [];
      }
    }),
  );
  return lists.flat();
}
