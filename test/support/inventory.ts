// Reads a target's inventory parent straight from the cluster, decoded independently of src/inventory, so
// tests check what is stored rather than what the agent's own reader makes of it.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { kubectl } from './cluster.ts';

/** The parent ConfigMap as stored: its ApplySet label and annotations, and the recorded member keys. */
export interface StoredInventory {
  id: string | undefined;
  annotations: Record<string, string>;
  /** Recorded member keys (`group/Kind/namespace/name`), sorted, with whether each has a UID. */
  members: { key: string; uid?: string }[];
}

/** The KEP-3659 ApplySet ID of a ConfigMap parent, computed from the KEP's formula. */
export function expectedApplySetId(name: string, namespace: string): string {
  const digest = createHash('sha256').update(`${name}.${namespace}.ConfigMap.`).digest('base64url');
  return `applyset-${digest}-v1`;
}

/** Reads `gitops-agent.<target>` in `namespace`; undefined when it does not exist. */
export async function readInventory(target: string, namespace: string): Promise<StoredInventory | undefined> {
  let out: string;
  try {
    out = await kubectl(['get', 'configmap', `gitops-agent.${target}`, '-n', namespace, '-o', 'json']);
  } catch (err) {
    if (/NotFound/.test((err as Error).message)) return undefined;
    throw err;
  }
  const cm = JSON.parse(out) as {
    metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
    binaryData?: Record<string, string>;
  };
  const packed = cm.binaryData?.['members.json.gz'];
  const rows = packed
    ? (JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as [string, string?][])
    : [];
  return {
    id: cm.metadata.labels?.['applyset.kubernetes.io/id'],
    annotations: cm.metadata.annotations ?? {},
    members: rows
      .map(([key, uid]) => (uid ? { key, uid } : { key }))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

/** Recorded member keys of a target, sorted. */
export async function recordedKeys(target: string, namespace: string): Promise<string[]> {
  return ((await readInventory(target, namespace))?.members ?? []).map((m) => m.key);
}
