import type { KubeObject } from '../core/types.ts';
import { groupOf } from '../core/refs.ts';
import { readConditions } from './conditions.ts';
import { fieldAt, stringField } from './fields.ts';
import type { PodBlock } from './pod-block.ts';

// Controllers that report a pod they cannot create only as an Event; Deployments and ReplicaSets also set
// a ReplicaFailure condition, which costs no request.
const EVENT_ONLY = new Set(['apps/StatefulSet', 'apps/DaemonSet', 'batch/Job']);

/** Whether the workload's pod-creation failures are only in Events, so its Warning events are worth a read. */
export function reportsCreateFailuresAsEvents(workload: KubeObject): boolean {
  return EVENT_ONLY.has(`${groupOf(workload.apiVersion)}/${workload.kind}`);
}

/**
 * Why the workload's controller cannot create its pods (a quota, a missing ServiceAccount, an admission
 * webhook): its ReplicaFailure condition, else its newest FailedCreate Warning event.
 */
export function createFailure(
  workload: KubeObject,
  events: readonly KubeObject[],
  now: Date,
): PodBlock | undefined {
  const parsed = readConditions(workload);
  const condition = parsed.ok
    ? parsed.conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')
    : undefined;
  if (condition) {
    return block(condition.reason || 'FailedCreate', condition.message, transitionOf(workload), now);
  }
  const uid = workload.metadata.uid;
  if (!uid) return undefined;
  const mine = events
    .filter((e) => fieldAt(e, 'involvedObject.uid') === uid && e.reason === 'FailedCreate')
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)));
  const latest = mine[0];
  if (!latest) return undefined;
  const first = mine
    .map((e) => stringField(e, 'firstTimestamp', ''))
    .filter(Boolean)
    .sort()[0];
  return block('FailedCreate', typeof latest.message === 'string' ? latest.message : '', first, now);
}

function block(reason: string, message: string, since: string | undefined, now: Date): PodBlock {
  const ms = since ? Date.parse(since) : NaN;
  return Number.isNaN(ms)
    ? { reason, message, sinceMs: now.getTime() }
    : { reason, message, since, sinceMs: ms };
}

function transitionOf(workload: KubeObject): string | undefined {
  const list = fieldAt(workload, 'status.conditions');
  if (!Array.isArray(list)) return undefined;
  const c = (list as { type?: unknown; lastTransitionTime?: unknown }[]).find(
    (x) => x?.type === 'ReplicaFailure',
  );
  return typeof c?.lastTransitionTime === 'string' ? c.lastTransitionTime : undefined;
}

function eventTime(e: KubeObject): string {
  return stringField(e, 'lastTimestamp', '') || stringField(e, 'eventTime', '');
}
