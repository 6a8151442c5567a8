import type { KubeObject, ManagedFieldsEntry } from '../core/types.ts';
import { LAST_APPLIED, isTakeoverManager } from '../core/ownership.ts';

/**
 * A JSON patch that moves the fields of client-side managers (kubectl apply/edit/create, before-first-apply)
 * into the agent's Apply entry and drops the last-applied annotation, so the next SSA removes fields deleted
 * from Git. Follows Flux's PatchReplaceFieldsManagers (fluxcd/pkg ssa/patch.go) and kubectl's csaupgrade
 * resourceVersion guard (k8s.io/client-go util/csaupgrade). `undefined` when nothing needs to move.
 */
export function takeoverPatch(live: KubeObject, manager: string): unknown[] | undefined {
  const entries = live.metadata.managedFields ?? [];
  let owner = entries.findLast((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const kept: ManagedFieldsEntry[] = [];
  let changed = false;
  for (const e of entries) {
    if (e === owner) continue;
    if (!isTakeoverManager(e, manager)) {
      kept.push(e);
      continue;
    }
    changed = true;
    owner = owner
      ? { ...owner, fieldsV1: unionFields(owner.fieldsV1 ?? {}, e.fieldsV1 ?? {}) }
      : { ...e, manager, operation: 'Apply' };
  }
  const hasAnnotation = live.metadata.annotations?.[LAST_APPLIED] !== undefined;
  if (!changed && !hasAnnotation) return undefined;
  const ops: unknown[] = [];
  if (hasAnnotation) ops.push({ op: 'remove', path: `/metadata/annotations/${escape(LAST_APPLIED)}` });
  if (changed && owner) ops.push({ op: 'replace', path: '/metadata/managedFields', value: [...kept, owner] });
  ops.push({ op: 'replace', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion });
  return ops;
}

/**
 * The union of two fieldsV1 tries. A node owned itself and also through children carries a `.` key;
 * a plain deep merge would lose that marker (see the SSA spec's fieldsV1 format).
 */
export function unionFields(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (av === undefined) {
      out[k] = bv;
      continue;
    }
    const ao = av as Record<string, unknown>;
    const bo = bv as Record<string, unknown>;
    const aLeaf = Object.keys(ao).length === 0;
    const bLeaf = Object.keys(bo).length === 0;
    if (aLeaf && bLeaf) continue;
    const merged = unionFields(aLeaf ? {} : ao, bLeaf ? {} : bo);
    if (aLeaf || bLeaf) merged['.'] = {};
    out[k] = merged;
  }
  return out;
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
