import { createHash } from 'node:crypto';
import type { KubeObject, ManagedFieldsEntry } from './types.ts';

/** Field manager name the agent applies with. */
export const FIELD_MANAGER = 'gitops-agent';

/** Annotation kubectl's client-side apply leaves behind. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The agent's own Apply entry of managedFields (main resource, not a subresource). */
export function ownedEntry(obj: KubeObject, manager = FIELD_MANAGER): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find(
    (e) => e.manager === manager && e.operation === 'Apply' && !e.subresource,
  );
}

/** A hash of the agent's managedFields entry; it changes whenever anyone else takes or removes one of our fields. */
export function ownedHash(obj: KubeObject, manager = FIELD_MANAGER): string | undefined {
  const e = ownedEntry(obj, manager);
  return e ? hashJson([e.apiVersion, e.time, e.fieldsV1]) : undefined;
}

/** Managers whose fields the agent takes over: whole-object writers (client-side apply, create, replace, edit) and the first-SSA owner. */
const TAKEOVER_MANAGERS = new Set([
  'kubectl-client-side-apply',
  'kubectl',
  'kubectl-edit',
  'kubectl-create',
  'kubectl-replace',
  'before-first-apply',
]);

/**
 * Whether an entry belongs to a manager whose fields SSA would never release, so a field removed from Git
 * would stay (as Flux does: fluxcd/pkg ssa/manager_apply.go). `kubectl rollout restart`, `kubectl scale` and
 * `kubectl label` stay co-owners: their changes to our fields are reverted, fields they add are left alone.
 */
export function isTakeoverManager(e: ManagedFieldsEntry, manager = FIELD_MANAGER): boolean {
  if (e.subresource || e.manager === manager) return false;
  return TAKEOVER_MANAGERS.has(e.manager ?? '');
}

/** Whether the live object must be migrated from client-side apply before SSA can remove fields. */
export function needsMigration(live: KubeObject, manager = FIELD_MANAGER): boolean {
  if (live.metadata.annotations?.[LAST_APPLIED] !== undefined) return true;
  return (live.metadata.managedFields ?? []).some((e) => isTakeoverManager(e, manager));
}

/** A short stable hash of a JSON value (object keys sorted). */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('base64url').slice(0, 22);
}

/** JSON.stringify with object keys sorted, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
