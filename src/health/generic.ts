import type { Health, KubeObject } from '../core/types.ts';
import { conditionMessage, type Condition } from './conditions.ts';
import { fieldAt, isInteger } from './fields.ts';
import { current, failed, inProgress, unknown } from './result.ts';

/** Terminating when `metadata.deletionTimestamp` is a non-empty string. */
export function checkDeletion(obj: KubeObject): Health | undefined {
  const timestamp = fieldAt(obj, 'metadata.deletionTimestamp');
  if (timestamp == null) return undefined;
  if (typeof timestamp !== 'string') return unknown('metadata.deletionTimestamp is not a string');
  return timestamp === '' ? undefined : { status: 'Terminating', message: 'Resource scheduled for deletion' };
}

/** InProgress when both generations are set and the controller has not observed the latest one. */
export function checkGeneration(obj: KubeObject): Health | undefined {
  const generation = fieldAt(obj, 'metadata.generation');
  if (generation == null) return undefined;
  if (!isInteger(generation)) return unknown('metadata.generation is not an integer');
  const observed = fieldAt(obj, 'status.observedGeneration');
  if (observed == null) return undefined;
  if (!isInteger(observed)) return unknown('status.observedGeneration is not an integer');
  if (observed === generation) return undefined;
  const message = `${obj.kind} generation is ${generation}, but latest observed generation is ${observed}`;
  return inProgress('LatestGenerationNotObserved', message);
}

/** The first `Reconciling=True` (InProgress) or `Stalled=True` (Failed) condition decides, when there is one. */
export function checkStandardConditions(conditions: readonly Condition[]): Health | undefined {
  for (const c of conditions) {
    if (c.type === 'Reconciling' && c.status === 'True') return inProgress(c.reason, conditionMessage(c));
    if (c.type === 'Stalled' && c.status === 'True') return failed(c.reason, conditionMessage(c));
  }
  return undefined;
}

/** The first `Ready` condition with a known status decides, for kinds without a built-in rule. */
export function checkReady(conditions: readonly Condition[]): Health | undefined {
  for (const c of conditions) {
    if (c.type !== 'Ready') continue;
    if (c.status === 'True') return current('Resource is Ready');
    if (c.status === 'False' || c.status === 'Unknown') return inProgress(c.reason, conditionMessage(c));
  }
  return undefined;
}
