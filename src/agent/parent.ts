import type { KubeObject, ObjectMeta } from '../core/types.ts';
import { ID_LABEL, TOOLING_ANNOTATION, applySetId } from '../core/applyset.ts';
import type { Kube } from '../kube/objects.ts';
import { recordEvent, type EventSource } from '../kube/events.ts';
import { TOOL, parentRef, type InventoryLocation } from '../inventory/store.ts';
import {
  STATUS_ANNOTATION,
  STATUS_FIELD_MANAGER,
  type AgentOutcome,
  type TargetStatus,
} from './target-status.ts';

const REASONS: Record<AgentOutcome, { reason: string; type: 'Normal' | 'Warning' }> = {
  synced: { reason: 'Synced', type: 'Normal' },
  unhealthy: { reason: 'Unhealthy', type: 'Warning' },
  failed: { reason: 'SyncFailed', type: 'Warning' },
  blocked: { reason: 'SyncBlocked', type: 'Normal' },
  suspended: { reason: 'Suspended', type: 'Normal' },
};

/**
 * Writes a target's status as JSON in an annotation of its inventory parent, with a field manager of its
 * own so the inventory's writes never remove it. The parent is created as an empty ApplySet parent when the
 * target never synced (a bad first commit is reported too); an existing parent of another tool conflicts.
 * Returns the parent's UID.
 */
export async function writeStatus(
  kube: Kube,
  loc: InventoryLocation,
  status: TargetStatus,
  version: string,
): Promise<string | undefined> {
  const ref = parentRef(loc);
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { [ID_LABEL]: applySetId(ref) },
      annotations: {
        [TOOLING_ANNOTATION]: `${TOOL}/${version}`,
        [STATUS_ANNOTATION]: JSON.stringify(status),
      },
    },
  };
  const res = await kube.apply(obj, { fieldManager: STATUS_FIELD_MANAGER, force: false, dryRun: false });
  return res.object.metadata.uid;
}

/** Records a Kubernetes Event on the parent saying what the outcome changed to; failures are returned, not thrown. */
export function recordOutcome(
  kube: Kube,
  source: EventSource,
  loc: InventoryLocation,
  uid: string | undefined,
  status: TargetStatus,
): Promise<Error | undefined> {
  const { reason, type } = REASONS[status.outcome];
  return recordEvent(kube, source, {
    regarding: { ...parentRef(loc), apiVersion: 'v1', uid },
    type,
    reason,
    note: status.message,
    action: 'Sync',
  });
}

/** The metadata of every inventory parent in a namespace (all namespaces when none), without their data. */
export async function listParents(kube: Kube, namespace?: string): Promise<ObjectMeta[]> {
  const path = namespace
    ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`
    : '/api/v1/configmaps';
  const res = await kube.client.request({
    method: 'GET',
    verb: 'LIST',
    path,
    query: { labelSelector: ID_LABEL },
    // Metadata only: the member records in binaryData can be hundreds of KiB per parent.
    accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  });
  const items = (res.body as { items?: { metadata: ObjectMeta }[] }).items ?? [];
  return items
    .map((i) => i.metadata)
    .filter((m) => {
      const tooling = m.annotations?.[TOOLING_ANNOTATION] ?? '';
      return m.name.startsWith('gitops-agent.') && tooling.slice(0, tooling.lastIndexOf('/')) === TOOL;
    });
}

/** The status a parent's annotation holds, if it holds a readable one. */
export function statusFromParent(meta: ObjectMeta): TargetStatus | undefined {
  const text = meta.annotations?.[STATUS_ANNOTATION];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as TargetStatus;
  } catch {
    return undefined;
  }
}

/** Writes run one after another per key; `idle()` resolves once none is queued or running. */
export interface SerialWrites {
  <T>(key: string, write: () => Promise<T>): Promise<T>;
  idle(): Promise<void>;
}

/**
 * Runs writes one after another per key, in the order they were asked for, so a status rewritten between
 * syncs never lands over the newer status of the sync that ended meanwhile.
 */
export function serialWrites(): SerialWrites {
  const tails = new Map<string, Promise<unknown>>();
  const run = <T>(key: string, write: () => Promise<T>): Promise<T> => {
    const done = (tails.get(key) ?? Promise.resolve()).then(write);
    const tail = done.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return done;
  };
  return Object.assign(run, { idle: () => Promise.all(tails.values()).then(() => undefined) });
}
