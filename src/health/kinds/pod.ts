import type { Health, KubeObject } from '../../core/types.ts';
import { findCondition } from '../conditions.ts';
import { fieldAt, isRecord, stringField } from '../fields.ts';
import { current, failed, inProgress, unknown } from '../result.ts';
import type { RuleContext } from './rule.ts';

/** How long a pod may stay unschedulable before it counts as Failed, in milliseconds. */
export const SCHEDULE_WINDOW_MS = 15_000;

/** Pod: by phase; a running pod must be Ready, a pending one Failed once unschedulable past the window. */
export function podHealth(obj: KubeObject, { conditions, now }: RuleContext): Health {
  const phase = stringField(obj, 'status.phase', '');
  switch (phase) {
    case 'Succeeded':
      return current('Pod has completed successfully');
    case 'Failed':
      return current('Pod has completed, but not successfully');
    case 'Running': {
      if (findCondition(conditions, 'Ready', 'True')) return current('Pod is Ready');
      const looping = crashLoopingContainers(obj);
      if (typeof looping === 'string') return unknown(looping);
      if (looping.length > 0) {
        return failed('ContainerCrashLooping', `Containers in CrashLoop state: ${looping.join(',')}`);
      }
      return inProgress('PodRunningNotReady', 'Pod is running but is not Ready');
    }
    case 'Pending': {
      const scheduled = findCondition(conditions, 'PodScheduled', 'False');
      if (scheduled?.reason !== 'Unschedulable') {
        return inProgress('PodPending', 'Pod is in the Pending phase');
      }
      // A missing or unparsable timestamp is Go's zero time: long past the window.
      const created = Date.parse(stringField(obj, 'metadata.creationTimestamp', ''));
      if (now.getTime() - SCHEDULE_WINDOW_MS < created) {
        return inProgress('PodNotScheduled', 'Pod has not been scheduled');
      }
      return failed('PodUnschedulable', 'Pod could not be scheduled');
    }
    case '':
      return inProgress('PodNotObserved', 'Pod phase not available');
    default:
      return unknown(`unknown phase ${phase}`);
  }
}

/** Names of containers waiting in CrashLoopBackOff, or the problem when containerStatuses is not a list. */
function crashLoopingContainers(obj: KubeObject): string[] | string {
  const statuses = fieldAt(obj, 'status.containerStatuses');
  if (statuses == null) return [];
  if (!Array.isArray(statuses)) return 'status.containerStatuses is not a list';
  const names: string[] = [];
  for (const entry of statuses as unknown[]) {
    // Upstream panics on a mistyped entry; skipping it is the useful reading.
    if (!isRecord(entry) || typeof entry.name !== 'string') continue;
    if (stringField(entry, 'state.waiting.reason', '') === 'CrashLoopBackOff') names.push(entry.name);
  }
  return names;
}
