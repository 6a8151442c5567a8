import type { KubeObject } from '../../core/types.ts';
import { FIELD_MANAGER, hashJson, ownedEntry, ownedHash } from '../../core/ownership.ts';

/** What self-heal remembers of one managed object between watch events: who owns what, as hashes. */
export interface Observed {
  uid: string | undefined;
  /** Time of the agent's Apply entry; only the agent's own applies change it. */
  agentTime: string | undefined;
  /** `ownedHash` of the agent's entry: it changes when anyone takes or removes one of the agent's fields. */
  agentHash: string | undefined;
  /** Hash of every other managedFields entry (time and fields), by manager name and subresource. */
  others: Map<string, string>;
}

/** How one change of a managed object came about, judged from its managedFields alone. */
export type Change =
  /** The agent (or another replica with its field manager) wrote it. */
  | { type: 'own' }
  /** Only fields the agent does not own changed: status, controller annotations, `kubectl scale` of an unowned field. */
  | { type: 'foreign' }
  /** Fields the agent owns were taken or removed; `managers` wrote the change (empty when a removal left no entry). */
  | { type: 'drift'; managers: string[] };

/** The remembered form of a live object. */
export function observe(obj: KubeObject, manager = FIELD_MANAGER): Observed {
  const others = new Map<string, string>();
  for (const e of obj.metadata.managedFields ?? []) {
    if (e.manager === manager && e.operation === 'Apply' && !e.subresource) continue;
    const name = e.subresource ? `${e.manager ?? 'unknown'} (${e.subresource})` : (e.manager ?? 'unknown');
    others.set(`${name}|${e.operation ?? ''}`, hashJson([e.time, e.fieldsV1]));
  }
  return {
    uid: obj.metadata.uid,
    agentTime: ownedEntry(obj, manager)?.time,
    agentHash: ownedHash(obj, manager),
    others,
  };
}

/**
 * Classifies a change between two observations of one object. Under server-side apply anyone who changes a
 * field the agent owns takes it (Update or forced Apply) and anyone who removes one removes it from the
 * agent's entry, so the agent's entry is unchanged exactly when only others' fields changed; and only the
 * agent's own applies move that entry's time.
 */
export function classify(before: Observed, after: Observed): Change {
  if (before.uid && after.uid && before.uid !== after.uid)
    return { type: 'drift', managers: writers(before, after) };
  if (after.agentTime !== undefined && after.agentTime !== before.agentTime) return { type: 'own' };
  if (after.agentHash === before.agentHash) return { type: 'foreign' };
  return { type: 'drift', managers: writers(before, after) };
}

/** Managers whose entries are new or changed between two observations. */
function writers(before: Observed, after: Observed): string[] {
  const names = new Set<string>();
  for (const [key, hash] of after.others) {
    if (before.others.get(key) !== hash) names.add(key.slice(0, key.lastIndexOf('|')));
  }
  return [...names].sort();
}

/**
 * Whether a deleted object went away by its own lifecycle rather than by someone's hand: a finished Job with
 * `ttlSecondsAfterFinished` is removed by the TTL controller, and re-creating it would run it again, forever.
 */
export function removedByLifecycle(obj: KubeObject): boolean {
  if (obj.kind !== 'Job' || !obj.apiVersion.startsWith('batch/')) return false;
  const spec = obj.spec as { ttlSecondsAfterFinished?: number } | undefined;
  if (spec?.ttlSecondsAfterFinished === undefined) return false;
  const conditions = (obj.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return (conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}
