import type {
  ApplyOutcome,
  ChangeSetEntry,
  Inventory,
  MemberRecord,
  ObjectKey,
  ObjectRef,
  Plan,
} from '../core/types.ts';
import { groupKind, objectKey } from '../core/refs.ts';

type Contents = Pick<Inventory, 'groupKinds' | 'namespaces' | 'members'>;

/**
 * The inventory written before anything is applied: everything recorded plus everything desired, so a crash
 * mid-apply never leaves a labelled object the inventory does not know (kubectl's ApplySet superset step).
 */
export function supersetOf(inventory: Inventory, plan: Plan): Contents {
  const members = new Map(inventory.members);
  for (const e of plan.entries) if (!members.has(e.key)) members.set(e.key, {});
  return {
    members,
    groupKinds: [...new Set([...inventory.groupKinds, ...plan.entries.map((e) => groupKind(e.ref))])],
    namespaces: [...new Set([...inventory.namespaces, ...namespacesOf(plan)])],
  };
}

/**
 * The inventory after a successful sync: exactly the desired set, each member with the UID and ownership
 * hash of the object the API server returned (or of the live object when nothing was sent).
 */
export function recordsAfter(inventory: Inventory, plan: Plan, outcome: ApplyOutcome): Contents {
  const members = new Map<ObjectKey, MemberRecord>();
  for (const e of plan.entries) {
    const applied = outcome.applied.get(e.key);
    const seen = applied ?? (e.live ? { uid: e.live.metadata.uid, ownedHash: e.liveOwnedHash } : undefined);
    members.set(e.key, seen ? { uid: seen.uid, desiredHash: e.desiredHash, ownedHash: seen.ownedHash } : {});
  }
  return {
    members,
    groupKinds: [...new Set(plan.entries.map((e) => groupKind(e.ref)))],
    namespaces: [inventory.parent.namespace, ...namespacesOf(plan)],
  };
}

/**
 * The inventory after a prune that failed part-way: every object that was to be deleted and is not gone (its
 * delete failed, or a failure stopped the prune before its stage) stays recorded, so the next sync retries.
 */
export function withUndeleted(
  contents: Contents,
  inventory: Inventory,
  planned: readonly { ref: ObjectRef }[],
  pruned: ChangeSetEntry[],
): Contents {
  const members = new Map(contents.members);
  const groupKinds = new Set(contents.groupKinds);
  const namespaces = new Set(contents.namespaces);
  const deleted = new Set(pruned.filter((p) => p.action === 'deleted').map((p) => objectKey(p.ref)));
  for (const { ref } of planned) {
    const key = objectKey(ref);
    if (deleted.has(key)) continue;
    members.set(key, inventory.members.get(key) ?? {});
    groupKinds.add(groupKind(ref));
    if (ref.namespace) namespaces.add(ref.namespace);
  }
  return { members, groupKinds: [...groupKinds], namespaces: [...namespaces] };
}

function namespacesOf(plan: Plan): string[] {
  return plan.entries.map((e) => e.ref.namespace).filter((n) => n !== '');
}
