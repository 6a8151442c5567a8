import type {
  AppliedObject,
  ApplyOutcome,
  ChangeSetEntry,
  KubeObject,
  ObjectKey,
  Plan,
  PlanEntry,
} from '../core/types.ts';
import { ownedHash } from '../core/ownership.ts';
import { APPLY_STAGES, compareApplyOrder, stageOf } from '../core/order.ts';
import { formatRef } from '../core/refs.ts';
import { RECREATE_ANNOTATION } from '../core/annotations.ts';
import type { Kube } from '../kube/objects.ts';
import { isConflict, isImmutable, isRetryable } from '../kube/errors.ts';
import { waitEstablished, waitServed } from './crd.ts';
import { takeoverPatch } from './takeover.ts';

/** Options of the apply stage. */
export interface ApplyOptions {
  fieldManager: string;
  /** Take fields from other managers on conflict. */
  force: boolean;
  /** How long to wait for new CRDs to become Established. Default 60000. */
  crdTimeoutMs: number;
  /** Called as objects are applied, for progress output. */
  onApplied?: (entry: ChangeSetEntry) => void;
}

/**
 * Applies a plan in stages (Namespaces and CRDs, then cluster-scoped kinds, then namespaced ones), sending
 * only objects that changed. Objects that could not be dry-run at plan time are dry-run before their stage
 * is applied; a failure stops the stages that follow, which are reported as skipped.
 */
export async function applyPlan(kube: Kube, plan: Plan, options: ApplyOptions): Promise<ApplyOutcome> {
  const changes: ChangeSetEntry[] = [];
  const applied = new Map<ObjectKey, AppliedObject>();
  // Failures a retry cannot fix (the object is refused), as opposed to the network or the server failing.
  const permanent = new Set<ChangeSetEntry>();
  let ok = true;
  for (const stage of APPLY_STAGES) {
    const entries = plan.entries
      .filter((e) => stageOf(e.ref) === stage)
      .sort((a, b) => compareApplyOrder(a.ref, b.ref));
    if (!ok) {
      changes.push(...entries.map((e) => skipped(e, 'not applied: an earlier stage failed')));
      continue;
    }
    const invalid = await validate(
      kube,
      entries.filter((e) => !e.validated),
      options,
      permanent,
    );
    if (invalid.length) {
      changes.push(...invalid);
      const failedKeys = new Set(invalid.map((c) => formatRef(c.ref)));
      changes.push(
        ...entries
          .filter((e) => !failedKeys.has(formatRef(e.ref)))
          .map((e) => skipped(e, 'not applied: dry-run of this stage failed')),
      );
      ok = false;
      continue;
    }
    const results = await Promise.all(
      entries.map(async (e): Promise<ChangeSetEntry> => {
        if (e.action === 'unchanged') return { ref: e.ref, action: 'unchanged' };
        const change = await applyOne(kube, e, options, applied, permanent);
        options.onApplied?.(change);
        return change;
      }),
    );
    changes.push(...results);
    if (results.some((r) => r.action === 'failed')) {
      ok = false;
      continue;
    }
    const crds = entries.filter((e) => e.action !== 'unchanged' && e.ref.kind === 'CustomResourceDefinition');
    if (crds.length) {
      await waitEstablished(
        kube,
        crds.map((e) => e.desired),
        options.crdTimeoutMs,
      );
      await waitServed(
        kube,
        crds.map((e) => e.desired),
        options.crdTimeoutMs,
      );
    }
  }
  const failed = changes.filter((c) => c.action === 'failed');
  return { changes, applied, ok, retryable: failed.every((c) => !permanent.has(c)) };
}

async function applyOne(
  kube: Kube,
  e: PlanEntry,
  options: ApplyOptions,
  applied: Map<ObjectKey, AppliedObject>,
  permanent: Set<ChangeSetEntry>,
): Promise<ChangeSetEntry> {
  const base = { ref: e.ref, action: e.action, ...(e.diff ? { diff: e.diff } : {}) };
  if (e.recreate) return recreate(kube, e, options, applied, base, permanent);
  try {
    const patch = e.migrate && e.live ? takeoverPatch(e.live, options.fieldManager) : undefined;
    if (patch && e.live) await kube.jsonPatch(e.live, patch, options.fieldManager);
    const res = await send(kube, e.desired, options);
    applied.set(e.key, res);
    return patch ? { ...base, message: 'took over fields of client-side apply' } : base;
  } catch (err) {
    if (isImmutable(err) && e.desired.metadata.annotations?.[RECREATE_ANNOTATION] === 'true') {
      return recreate(kube, e, options, applied, base, permanent);
    }
    return classify({ ...base, action: 'failed', message: describeFailure(e, err) }, err, permanent);
  }
}

async function recreate(
  kube: Kube,
  e: PlanEntry,
  options: ApplyOptions,
  applied: Map<ObjectKey, AppliedObject>,
  base: ChangeSetEntry,
  permanent: Set<ChangeSetEntry>,
): Promise<ChangeSetEntry> {
  try {
    await kube.delete(e.ref, { uid: e.live?.metadata.uid });
    const deadline = Date.now() + 60_000;
    while (await kube.get(e.desired.apiVersion, e.desired.kind, e.ref.namespace, e.ref.name)) {
      if (Date.now() > deadline) throw new Error('the old object was not gone within 60s');
      await new Promise((r) => setTimeout(r, 250));
    }
    applied.set(e.key, await send(kube, e.desired, options));
    return { ...base, message: 'recreated: an immutable field changed' };
  } catch (err) {
    const message = `${formatRef(e.ref)} recreate failed: ${(err as Error).message}`;
    return classify({ ...base, action: 'failed', message }, err, permanent);
  }
}

async function send(kube: Kube, obj: KubeObject, options: ApplyOptions): Promise<AppliedObject> {
  const res = await kube.apply(obj, {
    fieldManager: options.fieldManager,
    force: options.force,
    dryRun: false,
  });
  return { uid: res.object.metadata.uid, ownedHash: ownedHash(res.object, options.fieldManager) };
}

async function validate(
  kube: Kube,
  entries: PlanEntry[],
  options: ApplyOptions,
  permanent: Set<ChangeSetEntry>,
): Promise<ChangeSetEntry[]> {
  const failures = await Promise.all(
    entries.map(async (e): Promise<ChangeSetEntry | undefined> => {
      try {
        await kube.apply(e.desired, {
          fieldManager: options.fieldManager,
          force: options.force,
          dryRun: true,
        });
        return undefined;
      } catch (err) {
        const message = `dry-run failed (${e.source.file}:${e.source.line}): ${(err as Error).message}`;
        return classify({ ref: e.ref, action: 'failed', message }, err, permanent);
      }
    }),
  );
  return failures.filter((f): f is ChangeSetEntry => f !== undefined);
}

function describeFailure(e: PlanEntry, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const where = `(${e.source.file}:${e.source.line})`;
  if (isImmutable(err)) {
    return `${formatRef(e.ref)} ${where}: an immutable field changed: ${msg}. To delete and re-create the object on such changes, annotate it ${RECREATE_ANNOTATION}: "true"`;
  }
  if (isConflict(err)) {
    return `${formatRef(e.ref)} ${where}: conflict with another field manager (apply with force to take the fields over): ${msg}`;
  }
  return `${formatRef(e.ref)} ${where}: apply failed: ${msg}`;
}

function classify(change: ChangeSetEntry, err: unknown, permanent: Set<ChangeSetEntry>): ChangeSetEntry {
  if (!isRetryable(err)) permanent.add(change);
  return change;
}

function skipped(e: PlanEntry, message: string): ChangeSetEntry {
  return { ref: e.ref, action: 'skipped', message };
}
