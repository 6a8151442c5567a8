import type { Health, HealthCause, KubeObject } from '../core/types.ts';
import { groupOf } from '../core/refs.ts';
import { stringField } from './fields.ts';
import { createFailure } from './create-failure.ts';
import { describeCause, podBlock } from './pod-block.ts';
import { readSelector, selectorMatches } from './selector.ts';

// The label that tells a workload's pod revisions apart, by `group/Kind`; absent: every pod is new.
const REVISION_LABEL: ReadonlyMap<string, string | undefined> = new Map([
  ['apps/Deployment', 'pod-template-hash'],
  ['apps/StatefulSet', 'controller-revision-hash'],
  ['apps/DaemonSet', 'controller-revision-hash'],
  ['apps/ReplicaSet', undefined],
  ['batch/Job', undefined],
]);

/** Whether the object is a workload whose pods can tell why it is not Current. */
export function isWorkload(obj: KubeObject): boolean {
  return REVISION_LABEL.has(`${groupOf(obj.apiVersion)}/${obj.kind}`);
}

/**
 * The workload's new pods: those its selector matches in its namespace, of its newest revision (a
 * StatefulSet's updateRevision, else the revision of the most recently created pod), so old pods that
 * still run do not hide new ones that cannot.
 */
export function newPods(workload: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  const selector = readSelector(workload.spec && (workload.spec as Record<string, unknown>).selector);
  if (!selector) return [];
  const namespace = workload.metadata.namespace ?? '';
  const selected = pods.filter(
    (p) => (p.metadata.namespace ?? '') === namespace && selectorMatches(selector, p.metadata.labels),
  );
  const label = REVISION_LABEL.get(`${groupOf(workload.apiVersion)}/${workload.kind}`);
  if (!label || selected.length === 0) return selected;
  const revisionOf = (p: KubeObject) => p.metadata.labels?.[label];
  const update = stringField(workload, 'status.updateRevision', '');
  const revision =
    update && selected.some((p) => revisionOf(p) === update) ? update : revisionOf(newest(selected));
  return selected.filter((p) => revisionOf(p) === revision);
}

/** Options of explainHealth. */
export interface ExplainOptions {
  /** How long new pods may stay blocked before the workload is Failed, in milliseconds. */
  graceMs: number;
  now: Date;
  /** The grace counts from here at the earliest (epoch ms): when this sync changed the workload. Default none. */
  notBeforeMs?: number;
}

/** What a poll read besides the workloads: pods, and FailedCreate events where a controller reports only those. */
export interface Observed {
  pods: readonly KubeObject[];
  events: readonly KubeObject[];
}

/**
 * A workload's health with what blocks it named from its new pods (the pod blocked longest decides) or,
 * when it has none, from why its controller cannot create them. Once blocked longer than the grace the
 * workload is Failed with that reason instead of waiting for a progress deadline. Health with nothing
 * known to block it is returned as it was.
 */
export function explainHealth(
  health: Health,
  workload: KubeObject,
  observed: Observed,
  options: ExplainOptions,
): Health {
  const candidates = newPods(workload, observed.pods);
  const blocks = candidates
    .map((p) => podBlock(p, options.now))
    .filter((b) => b !== undefined)
    .sort((a, b) => a.sinceMs - b.sinceMs || (a.pod ?? '').localeCompare(b.pod ?? ''));
  const first =
    blocks[0] ??
    (candidates.length === 0 ? createFailure(workload, observed.events, options.now) : undefined);
  if (!first) return health;
  const { sinceMs, ...rest } = first;
  const cause: HealthCause = { ...rest, blocked: blocks.length, total: candidates.length };
  const counted = cause.total > 0 ? ` [${cause.blocked} of ${cause.total} new pods]` : '';
  const text = `${describeCause(cause)}${counted}`;
  const stuckMs = options.now.getTime() - Math.max(sinceMs, options.notBeforeMs ?? -Infinity);
  if (health.status === 'Failed') return { ...health, message: `${health.message}: ${text}`, cause };
  if (stuckMs >= options.graceMs) {
    const seconds = `blocked for ${Math.round(stuckMs / 1000)}s, longer than the ${Math.round(options.graceMs / 1000)}s grace`;
    return { status: 'Failed', reason: cause.reason, message: `${text}; ${seconds}`, cause };
  }
  return { ...health, message: `${health.message}: ${text}`, cause };
}

function newest(pods: readonly KubeObject[]): KubeObject {
  const time = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return pods.reduce((a, b) =>
    time(b) > time(a) || (time(b) === time(a) && b.metadata.name > a.metadata.name) ? b : a,
  );
}
