import { gunzipSync, gzipSync } from 'node:zlib';
import type { Inventory, KubeObject, MemberRecord, ObjectKey, ObjectRef } from '../core/types.ts';
import {
  GROUP_KINDS_ANNOTATION,
  ID_LABEL,
  NAMESPACES_ANNOTATION,
  TOOLING_ANNOTATION,
  applySetId,
} from '../core/applyset.ts';
import { AgentError } from '../core/errors.ts';
import { formatRef } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';

/** Tool name written to the parent's tooling annotation; a parent written by another tool is refused. */
export const TOOL = 'gitops-agent';
const MEMBERS_KEY = 'members.json.gz';

/** Where a target's inventory parent lives. */
export interface InventoryLocation {
  /** Target name; the parent ConfigMap is `gitops-agent.<name>`. */
  target: string;
  namespace: string;
}

/** The parent ConfigMap's ref for a target. */
export function parentRef(loc: InventoryLocation): ObjectRef {
  return { group: '', kind: 'ConfigMap', namespace: loc.namespace, name: `gitops-agent.${loc.target}` };
}

/** Reads the inventory of a target; an absent parent is an empty inventory. */
export async function loadInventory(kube: Kube, loc: InventoryLocation): Promise<Inventory> {
  const parent = parentRef(loc);
  const id = applySetId(parent);
  const obj = await kube.get('v1', 'ConfigMap', parent.namespace, parent.name);
  if (!obj)
    return { id, parent, exists: false, groupKinds: [], namespaces: [parent.namespace], members: new Map() };
  const where = formatRef(parent);
  const labelId = obj.metadata.labels?.[ID_LABEL];
  if (labelId !== id) {
    throw new AgentError(
      'inventory',
      `${where} has ApplySet ID "${labelId}", expected "${id}"; refusing to use it`,
      {
        retryable: false,
      },
    );
  }
  const tooling = obj.metadata.annotations?.[TOOLING_ANNOTATION] ?? '';
  if (tooling.slice(0, tooling.lastIndexOf('/')) !== TOOL) {
    throw new AgentError('inventory', `${where} is managed by tooling "${tooling}", not ${TOOL}`, {
      retryable: false,
    });
  }
  const ann = obj.metadata.annotations ?? {};
  return {
    id,
    parent,
    exists: true,
    groupKinds: splitList(ann[GROUP_KINDS_ANNOTATION]),
    namespaces: [...new Set([parent.namespace, ...splitList(ann[NAMESPACES_ANNOTATION])])],
    members: decodeMembers(obj),
  };
}

/** Writes the inventory parent with server-side apply; returns whether anything was written. */
export async function saveInventory(
  kube: Kube,
  current: Inventory,
  next: Pick<Inventory, 'groupKinds' | 'namespaces' | 'members'>,
  opts: { fieldManager: string; version: string },
): Promise<boolean> {
  const groupKinds = [...new Set(next.groupKinds)].sort();
  const namespaces = [...new Set(next.namespaces)].filter((n) => n !== current.parent.namespace).sort();
  if (
    current.exists &&
    sameList(groupKinds, current.groupKinds) &&
    sameList(namespaces, current.namespaces.filter((n) => n !== current.parent.namespace).sort()) &&
    sameMembers(current.members, next.members)
  ) {
    return false;
  }
  const parent: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: current.parent.name,
      namespace: current.parent.namespace,
      labels: { [ID_LABEL]: current.id },
      annotations: {
        [TOOLING_ANNOTATION]: `${TOOL}/${opts.version}`,
        [GROUP_KINDS_ANNOTATION]: groupKinds.join(','),
        [NAMESPACES_ANNOTATION]: namespaces.join(','),
      },
    },
    binaryData: { [MEMBERS_KEY]: encodeMembers(next.members) },
  };
  await kube.apply(parent, { fieldManager: opts.fieldManager, force: true, dryRun: false });
  return true;
}

type Row = [key: string, uid?: string, desiredHash?: string, ownedHash?: string];

// Member records are gzipped JSON: 5,000 members take about 150 KiB, far below the 1 MiB object limit.
function encodeMembers(members: Map<ObjectKey, MemberRecord>): string {
  const rows: Row[] = [...members]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, r]) => [k, r.uid, r.desiredHash, r.ownedHash]);
  return gzipSync(JSON.stringify(rows)).toString('base64');
}

function decodeMembers(obj: KubeObject): Map<ObjectKey, MemberRecord> {
  const data = (obj.binaryData as Record<string, string> | undefined)?.[MEMBERS_KEY];
  if (!data) return new Map();
  const rows = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as Row[];
  return new Map(
    rows.map(([k, uid, desiredHash, ownedHash]) => [k as ObjectKey, { uid, desiredHash, ownedHash }]),
  );
}

function splitList(value: string | undefined): string[] {
  return value ? value.split(',').filter(Boolean) : [];
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameMembers(a: Map<ObjectKey, MemberRecord>, b: Map<ObjectKey, MemberRecord>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, r] of a) {
    const o = b.get(k);
    if (!o || o.uid !== r.uid || o.desiredHash !== r.desiredHash || o.ownedHash !== r.ownedHash) return false;
  }
  return true;
}
