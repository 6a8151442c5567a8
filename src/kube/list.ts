import type { KubeObject } from '../core/types.ts';
import type { Kube } from './objects.ts';
import { KubeApiError } from './errors.ts';

/** One group and kind to list. */
export interface GroupKind {
  group: string;
  kind: string;
}

// Kinds whose cluster-wide LIST was forbidden (namespace-scoped RBAC); listed per namespace from then on.
// Keyed by the discovery cache, which every per-run view of one connection shares, so the memory outlives a run.
const denied = new WeakMap<object, Set<string>>();

/**
 * Lists objects carrying a label across several kinds and namespaces with one cluster-wide LIST per kind
 * (the API server filters by label), falling back to one LIST per namespace where RBAC forbids the
 * cluster-wide one. Kinds the server no longer serves (a deleted CRD) have no objects left.
 */
export async function listByLabel(
  kube: Kube,
  kinds: GroupKind[],
  namespaces: string[],
  labelSelector: string,
): Promise<KubeObject[]> {
  const forbidden = denied.get(kube.discovery) ?? new Set<string>();
  denied.set(kube.discovery, forbidden);
  const lists = await Promise.all(
    kinds.map(async (gk): Promise<KubeObject[]> => {
      const info = await kube.discovery.preferred(gk.group, gk.kind);
      if (!info) return [];
      const key = `${gk.group}/${gk.kind}`;
      if (info.scope === 'Cluster' || (namespaces.length > 1 && !forbidden.has(key))) {
        try {
          return await kube.list(gk.group, gk.kind, { labelSelector });
        } catch (err) {
          if (!(err instanceof KubeApiError && err.status === 403 && info.scope === 'Namespaced')) throw err;
          forbidden.add(key);
        }
      }
      const perNamespace = await Promise.all(
        namespaces.map((namespace) => kube.list(gk.group, gk.kind, { namespace, labelSelector })),
      );
      return perNamespace.flat();
    }),
  );
  return lists.flat();
}
