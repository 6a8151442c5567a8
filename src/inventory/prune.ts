import type { ChangeSetEntry, Inventory, PruneOptions, StaleEntry } from '../core/types.ts';
import { AgentError } from '../core/errors.ts';
import { formatRef } from '../core/refs.ts';
import { APPLY_STAGES, stageOf } from '../core/order.ts';
import { PART_OF_LABEL } from '../core/applyset.ts';
import { PRUNE_ANNOTATION } from '../core/annotations.ts';
import type { Kube } from '../kube/objects.ts';

/** What pruning will do: objects to delete, and objects kept with the reason. */
export interface PruneDecision {
  delete: StaleEntry[];
  /** Kept because protected by annotation: released from the set (label removed) but not deleted. */
  release: StaleEntry[];
  skipped: ChangeSetEntry[];
}

/**
 * Decides what to prune, refusing before anything is applied when the commit looks like a mistake:
 * an empty desired set, or one that would delete more than `maxShare` of the recorded set.
 * Only objects the inventory records are ever deleted.
 */
export function decidePrune(
  stale: StaleEntry[],
  inventory: Inventory,
  desiredCount: number,
  policy: PruneOptions,
): PruneDecision {
  const decision: PruneDecision = { delete: [], release: [], skipped: [] };
  for (const s of stale) {
    if (!inventory.members.has(s.key)) {
      decision.skipped.push({
        ref: s.ref,
        action: 'skipped',
        message: `carries this set's ${PART_OF_LABEL} label but the inventory does not record it; not deleted`,
      });
    } else if (!policy.enabled) {
      decision.skipped.push({
        ref: s.ref,
        action: 'skipped',
        message: 'removed from Git; pruning is disabled',
      });
    } else if (s.live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') {
      decision.release.push(s);
      decision.skipped.push({
        ref: s.ref,
        action: 'skipped',
        message: `removed from Git but kept: ${PRUNE_ANNOTATION}: disabled; no longer managed`,
      });
    } else {
      decision.delete.push(s);
    }
  }
  const recorded = inventory.members.size;
  if (desiredCount === 0 && decision.delete.length > 0 && !policy.allowEmpty) {
    throw new AgentError(
      'prune',
      `the commit renders no objects; refusing to prune all ${decision.delete.length} recorded objects ` +
        `(allow an empty set with --allow-empty / prune.allowEmpty if this is intended)`,
      { retryable: false },
    );
  }
  const share = recorded ? decision.delete.length / recorded : 0;
  if (decision.delete.length > 1 && share > policy.maxShare && !policy.allowMass && desiredCount > 0) {
    throw new AgentError(
      'prune',
      `the commit would prune ${decision.delete.length} of ${recorded} recorded objects ` +
        `(${Math.round(share * 100)}% > ${Math.round(policy.maxShare * 100)}%); refusing ` +
        `(allow it once with --allow-mass-prune / prune.allowMass, or raise prune.maxShare)`,
      { retryable: false },
    );
  }
  return decision;
}

/** Deletes in reverse apply order (namespaced objects first, Namespaces and CRDs last) and releases protected ones. */
export async function executePrune(
  kube: Kube,
  decision: PruneDecision,
  fieldManager: string,
): Promise<ChangeSetEntry[]> {
  const results: ChangeSetEntry[] = [];
  for (const stage of [...APPLY_STAGES].reverse()) {
    const batch = decision.delete.filter((s) => stageOf(s.ref) === stage);
    const done = await Promise.all(
      batch.map(async (s): Promise<ChangeSetEntry> => {
        try {
          const existed = await kube.delete(s.ref, { uid: s.live.metadata.uid });
          return { ref: s.ref, action: 'deleted', ...(existed ? {} : { message: 'already gone' }) };
        } catch (err) {
          return {
            ref: s.ref,
            action: 'failed',
            message: `${formatRef(s.ref)} delete failed: ${(err as Error).message}`,
          };
        }
      }),
    );
    results.push(...done);
    // A Namespace or CRD must not go while the objects in it failed to delete.
    if (done.some((r) => r.action === 'failed')) break;
  }
  for (const s of decision.release) {
    const path = `/metadata/labels/${PART_OF_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    await kube.jsonPatch(s.live, [{ op: 'remove', path }], fieldManager);
  }
  return [...results, ...decision.skipped];
}
