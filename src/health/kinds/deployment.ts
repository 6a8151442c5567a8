import type { Health, KubeObject } from '../../core/types.ts';
import { intField } from '../fields.ts';
import { current, failed, inProgress } from '../result.ts';
import type { RuleContext } from './rule.ts';

const MAX_INT32 = 2147483647;

/** Deployment: Failed past its progress deadline, else InProgress until replicas and conditions settle. */
export function deploymentHealth(obj: KubeObject, { conditions }: RuleContext): Health {
  // Without a deadline the controller never sets Progressing, so only replica counts can hold it back.
  let progressing = intField(obj, 'spec.progressDeadlineSeconds', MAX_INT32) === MAX_INT32;
  let available = false;
  for (const c of conditions) {
    if (c.type === 'Progressing') {
      if (c.reason === 'ProgressDeadlineExceeded') return failed(c.reason, 'Progress deadline exceeded');
      if (c.status === 'True' && c.reason === 'NewReplicaSetAvailable') progressing = true;
    } else if (c.type === 'Available' && c.status === 'True') {
      available = true;
    }
  }

  const spec = intField(obj, 'spec.replicas', 1);
  const replicas = intField(obj, 'status.replicas', 0);
  const updated = intField(obj, 'status.updatedReplicas', 0);
  const ready = intField(obj, 'status.readyReplicas', 0);
  const availableReplicas = intField(obj, 'status.availableReplicas', 0);

  if (spec > replicas) return inProgress('LessReplicas', `Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress('LessUpdated', `Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress('ExtraPods', `Pending termination: ${replicas - spec}`);
  if (updated > availableReplicas) {
    return inProgress('LessAvailable', `Available: ${availableReplicas}/${updated}`);
  }
  if (spec > ready) return inProgress('LessReady', `Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress('ReplicaSetNotAvailable', 'ReplicaSet not Available');
  if (!available) return inProgress('DeploymentNotAvailable', 'Deployment not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
}
