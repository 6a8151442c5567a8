import type { Health, KubeObject } from '../../core/types.ts';
import { stringField } from '../fields.ts';
import { current, inProgress } from '../result.ts';

/** Service: a LoadBalancer waits for its cluster IP; `status.loadBalancer` is not checked. */
export function serviceHealth(obj: KubeObject): Health {
  const type = stringField(obj, 'spec.type', 'ClusterIP');
  if (type === 'LoadBalancer' && stringField(obj, 'spec.clusterIP', '') === '') {
    return inProgress('NoIPAssigned', 'ClusterIP not set. Service type: LoadBalancer');
  }
  return current('Service is ready');
}
