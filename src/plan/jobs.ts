// Jobs that delete themselves: a Job with ttlSecondsAfterFinished is removed by the TTL controller once it
// finishes, so its absence after a run is its desired end state, not drift to undo.
import type { Inventory, KubeObject, MemberRecord, ObjectKey, Plan, PlanEntry } from '../core/types.ts';
import { groupOf } from '../core/refs.ts';

/** Whether the object is a batch Job that its TTL deletes after it finishes. */
export function isSelfDeletingJob(obj: KubeObject): boolean {
  const spec = obj.spec as { ttlSecondsAfterFinished?: unknown } | undefined;
  return (
    groupOf(obj.apiVersion) === 'batch' &&
    obj.kind === 'Job' &&
    typeof spec?.ttlSecondsAfterFinished === 'number'
  );
}

/**
 * Whether a desired self-deleting Job already ran for this exact manifest: it is gone, and the inventory
 * recorded it applied (a UID) with the same manifest hash. Such a Job is not created again; a changed
 * manifest has another hash and runs again.
 */
export function alreadyRan(
  desired: KubeObject,
  live: KubeObject | undefined,
  record: MemberRecord | undefined,
  desiredHash: string,
): boolean {
  return (
    live === undefined &&
    isSelfDeletingJob(desired) &&
    record?.uid !== undefined &&
    record.desiredHash === desiredHash
  );
}

/**
 * Keys of the self-deleting Jobs whose absence after this sync means they ran: applied by it, planned as
 * already run, or seen complete by the plan.
 */
export function selfDeletingJobs(plan: Plan): Set<ObjectKey> {
  const keys = new Set<ObjectKey>();
  for (const e of plan.entries) {
    if (!isSelfDeletingJob(e.desired)) continue;
    if (e.action !== 'unchanged' || e.ran || isComplete(e.live)) keys.add(e.key);
  }
  return keys;
}

/** The member records with those of already-run Jobs carried over, so the next sync knows they ran too. */
export function keepRanJobs<T extends { members: Map<ObjectKey, MemberRecord> }>(
  contents: T,
  inventory: Inventory,
  entries: readonly PlanEntry[],
): T {
  const members = new Map(contents.members);
  for (const e of entries) {
    const record = inventory.members.get(e.key);
    if (e.ran && record) members.set(e.key, record);
  }
  return { ...contents, members };
}

function isComplete(job: KubeObject | undefined): boolean {
  const conditions = (job?.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c.type === 'Complete' && c.status === 'True');
}
