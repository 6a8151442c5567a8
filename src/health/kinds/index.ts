// The built-in rules of kstatus's core.go (and APIService's), keyed by `group/Kind` (bare `Kind` for the core group).
import type { KubeObject } from '../../core/types.ts';
import { groupOf } from '../../core/refs.ts';
import { alwaysReady } from './always-ready.ts';
import { apiServiceHealth } from './apiservice.ts';
import { crdHealth } from './crd.ts';
import { daemonSetHealth } from './daemonset.ts';
import { deploymentHealth } from './deployment.ts';
import { jobHealth } from './job.ts';
import { pdbHealth } from './pdb.ts';
import { podHealth } from './pod.ts';
import { pvcHealth } from './pvc.ts';
import { replicaSetHealth } from './replicaset.ts';
import type { KindRule } from './rule.ts';
import { serviceHealth } from './service.ts';
import { statefulSetHealth } from './statefulset.ts';

/** Every built-in rule by `group/Kind`; Namespace and custom resources have none. */
export const kindRules: ReadonlyMap<string, KindRule> = new Map<string, KindRule>([
  ['Service', serviceHealth],
  ['Pod', podHealth],
  ['Secret', alwaysReady],
  ['PersistentVolumeClaim', pvcHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['extensions/DaemonSet', daemonSetHealth],
  ['apps/Deployment', deploymentHealth],
  ['extensions/Deployment', deploymentHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['extensions/ReplicaSet', replicaSetHealth],
  ['policy/PodDisruptionBudget', pdbHealth],
  ['batch/CronJob', alwaysReady],
  ['ConfigMap', alwaysReady],
  ['batch/Job', jobHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', crdHealth],
  // Not in kstatus: see apiservice.ts.
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
]);

/** The rule for an object's group and kind, whatever its version. */
export function ruleFor(obj: KubeObject): KindRule | undefined {
  const group = groupOf(obj.apiVersion);
  return kindRules.get(group ? `${group}/${obj.kind}` : obj.kind);
}
