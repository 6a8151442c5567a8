import type { Health, KubeObject } from '../../core/types.ts';
import { stringField } from '../fields.ts';
import { current, inProgress } from '../result.ts';

/** PersistentVolumeClaim: InProgress until Bound. */
export function pvcHealth(obj: KubeObject): Health {
  const phase = stringField(obj, 'status.phase', 'unknown');
  if (phase !== 'Bound') return inProgress('NotBound', `PVC is not Bound. phase: ${phase}`);
  return current('PVC is Bound');
}
