import type { KubeObject } from '../core/types.ts';
import type { Kube } from './objects.ts';
import { KubeApiError } from './errors.ts';

/** One group and kind to list. */
export interface GroupKind {
  group: string;
  kind: string;
}

/**
 * Lists objects carrying a label across several kinds and namespaces: namespaced kinds once per namespace,
 * cluster-scoped kinds once. Kinds the server no longer serves (a deleted CRD) have no objects left.
 */
export async function listByLabel(
  kube: Kube,
  kinds: GroupKind[],
  namespaces: string[],
  labelSelector: string,
): Promise<KubeObject[]> {
  const calls: Promise<KubeObject[]>[] = [];
  for (const gk of kinds) {
    const info = await kube.discovery.preferred(gk.group, gk.kind);
    if (!info) continue;
    const where = info.scope === 'Namespaced' ? namespaces : [undefined];
    for (const namespace of where) {
      calls.push(
        kube.list(gk.group, gk.kind, { namespace, labelSelector }).catch((err: unknown) => {
          // A namespace that does not exist yet has nothing in it.
          if (err instanceof KubeApiError && err.status === 404) return [];
          throw err;
        }),
      );
    }
  }
  return (await Promise.all(calls)).flat();
}
