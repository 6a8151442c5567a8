import type { KubeObject, ManagedFieldsEntry } from '../core/types.ts';
import { LAST_APPLIED, isTakeoverManager } from '../core/ownership.ts';

/**
 * The object as it will be once the apply stage has taken over the fields of client-side managers
 * (kubectl apply, edit, create) and applied: the dry-run result without the fields only those managers own,
 * which the next server-side apply removes, and without the last-applied annotation. The dry-run alone cannot
 * show this, since it runs before the takeover, so the adoption diff would hide every key the sync removes.
 */
export function afterTakeover(dry: KubeObject, fieldManager: string): KubeObject {
  const entries = dry.metadata.managedFields ?? [];
  const kept = new Set<string>();
  const taken: string[][] = [];
  for (const e of entries) {
    if (isTakeoverManager(e, fieldManager)) taken.push(...leaves(e));
    else for (const path of leaves(e)) kept.add(path.join('\0'));
  }
  const out = structuredClone(dry);
  for (const path of taken) if (!kept.has(path.join('\0'))) remove(out, path);
  const annotations = out.metadata.annotations;
  if (annotations) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete out.metadata.annotations;
  }
  return out;
}

// The owned leaves of a fieldsV1 trie: nodes without children; `.` marks a node owned beside its children.
function leaves(entry: ManagedFieldsEntry): string[][] {
  if (entry.subresource) return [];
  const out: string[][] = [];
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    const children = Object.keys(node).filter((k) => k !== '.');
    if (children.length === 0 && path.length > 0) out.push(path);
    for (const k of children) walk((node[k] ?? {}) as Record<string, unknown>, [...path, k]);
  };
  walk(entry.fieldsV1 ?? {}, []);
  return out;
}

// Deletes the field a fieldsV1 path names: `f:` map keys, `k:` list items by key fields, `v:` set values.
function remove(root: unknown, path: string[]): void {
  let node: unknown = root;
  for (const [i, step] of path.entries()) {
    const last = i === path.length - 1;
    if (step.startsWith('f:') && isMap(node)) {
      const key = step.slice(2);
      if (last) delete node[key];
      else node = node[key];
    } else if ((step.startsWith('k:') || step.startsWith('v:')) && Array.isArray(node)) {
      const match = JSON.parse(step.slice(2)) as unknown;
      const index = node.findIndex((item) =>
        step.startsWith('v:') ? JSON.stringify(item) === JSON.stringify(match) : hasKeys(item, match),
      );
      if (index < 0) return;
      if (last) node.splice(index, 1);
      else node = node[index];
    } else {
      return;
    }
  }
}

function hasKeys(item: unknown, keys: unknown): boolean {
  if (!isMap(item) || !isMap(keys)) return false;
  return Object.entries(keys).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
