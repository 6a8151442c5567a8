import type { ObjectRef } from './types.ts';

/** Apply stages: definitions first (Namespaces, CRDs), then other cluster-scoped kinds, then namespaced ones. */
export type ApplyStage = 'definitions' | 'cluster' | 'namespaced';

/** The stages in apply order; prune walks them backwards. */
export const APPLY_STAGES: readonly ApplyStage[] = ['definitions', 'cluster', 'namespaced'];

// Within a stage, kinds others depend on go first (Helm's install order, trimmed to kinds that matter).
const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'Ingress',
];

/** Which apply stage an object belongs to. */
export function stageOf(ref: ObjectRef): ApplyStage {
  if (ref.group === '' && ref.kind === 'Namespace') return 'definitions';
  if (ref.group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition') return 'definitions';
  return ref.namespace ? 'namespaced' : 'cluster';
}

/** Compares refs in apply order: stage, then kind order (unknown kinds last), then namespace and name. */
export function compareApplyOrder(a: ObjectRef, b: ObjectRef): number {
  const sa = APPLY_STAGES.indexOf(stageOf(a));
  const sb = APPLY_STAGES.indexOf(stageOf(b));
  if (sa !== sb) return sa - sb;
  const ka = kindRank(a.kind);
  const kb = kindRank(b.kind);
  if (ka !== kb) return ka - kb;
  return cmp(a.group, b.group) || cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name);
}

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
