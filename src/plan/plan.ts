import type {
  Inventory,
  KubeObject,
  Manifest,
  ObjectKey,
  Plan,
  PlanEntry,
  StaleEntry,
} from '../core/types.ts';
import { AggregateAgentError, ObjectError, type AgentError } from '../core/errors.ts';
import { formatRef, groupOf, objectKey, parseKey, refOf } from '../core/refs.ts';
import { hashJson, needsMigration, ownedHash } from '../core/ownership.ts';
import { ID_LABEL, PART_OF_LABEL } from '../core/applyset.ts';
import { stageOf } from '../core/order.ts';
import type { Kube } from '../kube/objects.ts';
import { listByLabel, type GroupKind } from '../kube/list.ts';
import { KubeApiError, isConflict, isImmutable, isRetryable } from '../kube/errors.ts';
import { RECREATE_ANNOTATION } from '../core/annotations.ts';
import { sameObject, unifiedDiff } from './diff.ts';
import { alreadyRan } from './jobs.ts';
import { afterTakeover } from './takeover.ts';

/** Options of planning. */
export interface PlanOptions {
  fieldManager: string;
  /** Force in the dry-run, as the real apply will. */
  force: boolean;
  /** Dry-run every object even when the inventory proves it unchanged (a full resync; `diff` always does). */
  full: boolean;
  /** Render a diff for created objects too (the whole object); `diff` does, `sync` only diffs changes. */
  diffCreated: boolean;
  /** Take over objects that belong to another ApplySet instead of refusing them. Default false. */
  adopt?: boolean;
}

/**
 * Compares every desired object with the cluster: live objects come from one labelled LIST per kind;
 * an object whose manifest and whose field ownership are as the inventory recorded is unchanged
 * without a request; every other one is dry-run with SSA. Any dry-run failure fails the whole plan.
 */
export async function planSync(
  kube: Kube,
  manifests: Manifest[],
  inventory: Inventory,
  options: PlanOptions,
): Promise<Plan> {
  const live = await listLive(kube, manifests, inventory);
  const errors: AgentError[] = [];
  const inCommit = arrivingDefinitions(manifests.map((m) => m.object));
  const planAll = (ms: Manifest[], arriving: Arriving) =>
    Promise.all(
      ms.map((m) =>
        planOne(
          kube,
          m,
          live.get(objectKey(refOf(m.object))),
          inventory,
          { arriving, inCommit },
          options,
        ).catch((err: unknown) => {
          errors.push(toObjectError(m, err));
          return undefined;
        }),
      ),
    );
  // Namespaces and CRDs first: objects inside a Namespace or of a kind that does not exist yet cannot be
  // dry-run now, so they skip the request and are validated right before their apply stage.
  const definitions = manifests.filter((m) => stageOf(refOf(m.object)) === 'definitions');
  const definitionEntries = await planAll(definitions, { namespaces: new Set(), kinds: new Set() });
  const created = definitionEntries.flatMap((e) => (e?.action === 'created' ? [e.desired] : []));
  const rest = await planAll(
    manifests.filter((m) => stageOf(refOf(m.object)) !== 'definitions'),
    arrivingDefinitions(created),
  );
  const entries = [...definitionEntries, ...rest].map((e) => e && slim(e, options.fieldManager));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateAgentError('plan', errors);
  const desiredKeys = new Set(manifests.map((m) => objectKey(refOf(m.object))));
  const stale: StaleEntry[] = [];
  for (const [key, obj] of live) if (!desiredKeys.has(key)) stale.push({ key, ref: refOf(obj), live: obj });
  return { entries: entries.filter((e): e is PlanEntry => e !== undefined), stale };
}

async function planOne(
  kube: Kube,
  m: Manifest,
  labelled: KubeObject | undefined,
  inventory: Inventory,
  // Definitions created in this sync (skip the dry-run), and all definitions in the commit (404 fallback).
  deps: { arriving: Arriving; inCommit: Arriving },
  options: PlanOptions,
): Promise<PlanEntry> {
  const desired = m.object;
  const ref = refOf(desired);
  const key = objectKey(ref);
  const base = { key, ref, desired, source: m.source, desiredHash: hashJson(desired), migrate: false };
  const createdDiff = (obj: KubeObject) =>
    options.diffCreated ? unifiedDiff(ref, undefined, obj) : undefined;
  if (dependsOnArriving(desired, deps.arriving))
    return { ...base, action: 'created', validated: false, diff: createdDiff(desired) };
  const rec = inventory.members.get(key);
  if (alreadyRan(desired, labelled, rec, base.desiredHash))
    return { ...base, action: 'unchanged', validated: true, ran: true };
  const liveOwnedHash = labelled && ownedHash(labelled, options.fieldManager);
  if (
    labelled &&
    !options.full &&
    rec?.uid === labelled.metadata.uid &&
    rec?.desiredHash === base.desiredHash &&
    rec?.ownedHash !== undefined &&
    rec.ownedHash === liveOwnedHash &&
    !needsMigration(labelled, options.fieldManager)
  ) {
    return { ...base, live: labelled, liveOwnedHash, action: 'unchanged', validated: true };
  }
  let dry;
  try {
    dry = await kube.apply(desired, {
      dryRun: true,
      force: options.force,
      fieldManager: options.fieldManager,
    });
  } catch (err) {
    // The server cannot dry-run into a namespace, or a kind, that this same sync creates first.
    if (err instanceof KubeApiError && err.status === 404 && dependsOnArriving(desired, deps.inCommit)) {
      return { ...base, action: 'created', validated: false, diff: createdDiff(desired) };
    }
    if (isImmutable(err) && desired.metadata.annotations?.[RECREATE_ANNOTATION] === 'true') {
      const live = labelled ?? (await kube.get(desired.apiVersion, desired.kind, ref.namespace, ref.name));
      if (!labelled && live) await refuseForeign(kube, live, inventory, options);
      return {
        ...base,
        live,
        action: 'configured',
        validated: true,
        recreate: true,
        diff: unifiedDiff(ref, live, desired),
      };
    }
    throw err;
  }
  if (dry.created)
    return { ...base, action: 'created', validated: true, diff: unifiedDiff(ref, undefined, desired) };
  const live = labelled ?? (await kube.get(desired.apiVersion, desired.kind, ref.namespace, ref.name));
  if (!live)
    return { ...base, action: 'created', validated: true, diff: unifiedDiff(ref, undefined, desired) };
  if (!labelled) await refuseForeign(kube, live, inventory, options);
  const migrate = needsMigration(live, options.fieldManager);
  const unchanged = sameObject(live, dry.object) && !migrate && labelled !== undefined;
  const after = migrate ? afterTakeover(dry.object, options.fieldManager) : dry.object;
  return unchanged
    ? { ...base, live, action: 'unchanged', validated: true, migrate }
    : { ...base, live, action: 'configured', validated: true, migrate, diff: unifiedDiff(ref, live, after) };
}

/**
 * Refuses an object that carries another ApplySet's label: two targets claiming one object would relabel it on
 * every sync, and whichever ran last could prune it. `adopt` takes it over once, on purpose.
 */
async function refuseForeign(
  kube: Kube,
  live: KubeObject,
  inventory: Inventory,
  options: PlanOptions,
): Promise<void> {
  const other = live.metadata.labels?.[PART_OF_LABEL];
  if (!other || other === inventory.id || options.adopt) return;
  const parent = await findParent(kube, other);
  const ours = `${formatRef(inventory.parent)} (${inventory.id})`;
  throw new ForeignObject(
    `belongs to ApplySet ${other}${parent ? ` of ${parent}` : ''}, not to this target's ApplySet ${ours}; ` +
      'refusing to take it over: remove it from one of the targets, or set adopt: true (--adopt) on this one',
  );
}

/** An object of another ApplySet; a retry cannot help until a target changes. */
class ForeignObject extends Error {}

// The parent of another ApplySet, for the message; unknown when RBAC hides it or it is not a ConfigMap.
async function findParent(kube: Kube, id: string): Promise<string | undefined> {
  try {
    const [parent] = await kube.list('', 'ConfigMap', { labelSelector: `${ID_LABEL}=${id}` });
    return parent ? formatRef(refOf(parent)) : undefined;
  } catch {
    return undefined;
  }
}

async function listLive(
  kube: Kube,
  manifests: Manifest[],
  inventory: Inventory,
): Promise<Map<ObjectKey, KubeObject>> {
  const kinds = new Map<string, GroupKind>();
  for (const gk of inventory.groupKinds) {
    const dot = gk.indexOf('.');
    const g = dot < 0 ? { kind: gk, group: '' } : { kind: gk.slice(0, dot), group: gk.slice(dot + 1) };
    kinds.set(`${g.group}/${g.kind}`, g);
  }
  for (const key of inventory.members.keys()) {
    const r = parseKey(key);
    kinds.set(`${r.group}/${r.kind}`, { group: r.group, kind: r.kind });
  }
  const namespaces = new Set(inventory.namespaces);
  for (const m of manifests) {
    const group = groupOf(m.object.apiVersion);
    kinds.set(`${group}/${m.object.kind}`, { group, kind: m.object.kind });
    if (m.object.metadata.namespace) namespaces.add(m.object.metadata.namespace);
  }
  const objects = await listByLabel(
    kube,
    [...kinds.values()],
    [...namespaces],
    `${PART_OF_LABEL}=${inventory.id}`,
  );
  return new Map(objects.map((o) => [objectKey(refOf(o)), o]));
}

/**
 * Keeps what later stages read of the live object: identity and status for health, managedFields only when a
 * takeover needs them, no ConfigMap/Secret payloads. At 5,000 objects the full live objects were most of the
 * agent's memory.
 */
function slim(e: PlanEntry, fieldManager: string): PlanEntry {
  if (!e.live) return e;
  const { data: _d, binaryData: _b, stringData: _s, ...rest } = e.live;
  const { managedFields, ...metadata } = e.live.metadata;
  const live = { ...rest, metadata: e.migrate ? { ...metadata, managedFields } : metadata } as KubeObject;
  // The fast path hashed the live object already; the others are hashed here.
  return { ...e, live, liveOwnedHash: e.liveOwnedHash ?? ownedHash(e.live, fieldManager) };
}

interface Arriving {
  namespaces: Set<string>;
  kinds: Set<string>;
}

/** Namespaces and custom kinds that the given definitions bring. */
function arrivingDefinitions(objects: KubeObject[]): Arriving {
  const arriving: Arriving = { namespaces: new Set(), kinds: new Set() };
  for (const o of objects) {
    if (o.apiVersion === 'v1' && o.kind === 'Namespace') arriving.namespaces.add(o.metadata.name);
    if (groupOf(o.apiVersion) === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition') {
      const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
      arriving.kinds.add(`${spec?.group}/${spec?.names?.kind}`);
    }
  }
  return arriving;
}

function dependsOnArriving(o: KubeObject, arriving: Arriving): boolean {
  return (
    (o.metadata.namespace !== undefined && arriving.namespaces.has(o.metadata.namespace)) ||
    arriving.kinds.has(`${groupOf(o.apiVersion)}/${o.kind}`)
  );
}

function toObjectError(m: Manifest, err: unknown): AgentError {
  const where = `(${m.source.file}:${m.source.line})`;
  if (err instanceof ForeignObject)
    return new ObjectError('plan', refOf(m.object), `${where} ${err.message}`, { retryable: false });
  const message =
    (err instanceof Error ? err.message : String(err)) +
    (isImmutable(err)
      ? `; an immutable field changed: to delete and re-create the object on such changes, annotate it ${RECREATE_ANNOTATION}: "true"`
      : isConflict(err)
        ? '; another field manager owns these fields: sync with force to take them over, or drop them from Git'
        : '');
  const status = err instanceof KubeApiError ? err.status : undefined;
  return new ObjectError('plan', refOf(m.object), `dry-run failed ${where}: ${message}`, {
    retryable: isRetryable(err),
    status,
    cause: err,
  });
}
