import type { Health, KubeObject } from '../../core/types.ts';
import { fieldAt, intField } from '../fields.ts';
import { current, inProgress } from '../result.ts';

/** DaemonSet: InProgress until the controller has observed it and every scheduled pod is current, updated, available and ready. */
export function daemonSetHealth(obj: KubeObject): Health {
  // The generic check skips unset generations; a DaemonSet the controller has seen always has both.
  if (fieldAt(obj, 'metadata.generation') == null) {
    return inProgress('NoGeneration', `${obj.kind} metadata.generation not found`);
  }
  if (fieldAt(obj, 'status.observedGeneration') == null) {
    return inProgress('NoObservedGeneration', `${obj.kind} status.observedGeneration not found`);
  }
  const desired = intField(obj, 'status.desiredNumberScheduled', -1);
  const scheduled = intField(obj, 'status.currentNumberScheduled', 0);
  const updated = intField(obj, 'status.updatedNumberScheduled', 0);
  const available = intField(obj, 'status.numberAvailable', 0);
  const ready = intField(obj, 'status.numberReady', 0);

  if (desired === -1) return inProgress('NoDesiredNumber', 'Missing .status.desiredNumberScheduled');
  if (desired > scheduled) return inProgress('LessCurrent', `Current: ${scheduled}/${desired}`);
  if (desired > updated) return inProgress('LessUpdated', `Updated: ${updated}/${desired}`);
  if (desired > available) return inProgress('LessAvailable', `Available: ${available}/${desired}`);
  if (desired > ready) return inProgress('LessReady', `Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}
