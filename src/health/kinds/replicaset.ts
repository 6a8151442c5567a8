import type { Health, KubeObject } from '../../core/types.ts';
import { findCondition } from '../conditions.ts';
import { intField } from '../fields.ts';
import { current, inProgress } from '../result.ts';
import type { RuleContext } from './rule.ts';

/** ReplicaSet: InProgress on ReplicaFailure or until every replica is labelled, available and ready. */
export function replicaSetHealth(obj: KubeObject, { conditions }: RuleContext): Health {
  if (findCondition(conditions, 'ReplicaFailure', 'True')) {
    return inProgress('ReplicaFailure', 'Replica Failure condition. Check Pods');
  }
  const spec = intField(obj, 'spec.replicas', 1);
  const replicas = intField(obj, 'status.replicas', 0);
  const ready = intField(obj, 'status.readyReplicas', 0);
  const available = intField(obj, 'status.availableReplicas', 0);
  const labelled = intField(obj, 'status.fullyLabeledReplicas', 0);

  if (spec > labelled) return inProgress('LessLabelled', `Labelled: ${labelled}/${spec}`);
  if (spec > available) return inProgress('LessAvailable', `Available: ${available}/${spec}`);
  if (spec > ready) return inProgress('LessReady', `Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress('ExtraPods', `Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}
