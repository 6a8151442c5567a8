import type { ChangeSetEntry, ObjectKey, Plan, SyncResult, SyncTarget } from '../core/types.ts';
import type { SyncListener } from './events.ts';
import { Run } from './run.ts';
import { renderCached, renderKey, type RenderCache } from './render-cache.ts';
import { DiskRenderCache } from './render-disk.ts';
import { PART_OF_LABEL, withPartOf } from '../core/applyset.ts';
import { FIELD_MANAGER } from '../core/ownership.ts';
import { fetchSource, type SourceOptions } from '../source/source.ts';
import { renderTarget } from '../render/target.ts';
import { chartCluster, clusterInfo, renderOptionsOf, sourceOptionsOf } from './source-render.ts';
import { planSync } from '../plan/plan.ts';
import { keepRanJobs, selfDeletingJobs } from '../plan/jobs.ts';
import { unifiedDiff } from '../plan/diff.ts';
import { applyPlan } from '../apply/apply.ts';
import { joinOutcomes, splitBootstrap } from '../apply/bootstrap.ts';
import { loadInventory, saveInventory } from '../inventory/store.ts';
import { decidePrune, executePrune, type PruneDecision } from '../inventory/prune.ts';
import { recordsAfter, supersetOf, withUndeleted } from '../inventory/records.ts';
import { waitForHealth } from '../health/wait.ts';
import { objectKey } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';

/** What a reconcile needs from its surroundings. */
export interface ReconcileDeps {
  kube: Kube;
  /** Directory for Git clones, kept between syncs. */
  cacheDir: string;
  /** Git credentials, or a reader asked before every fetch (a token file that rotates). */
  auth?: SourceOptions['auth'];
  /** Agent version, written to the inventory's tooling annotation. */
  version: string;
  onEvent?: SyncListener;
  /**
   * The target's last render; an unchanged set of files under the path is not parsed again. Default: one
   * kept on disk in `cacheDir` (DiskRenderCache), for callers that sync once per process.
   */
  renderCache?: RenderCache;
}

/** Options of one reconcile. */
export interface ReconcileOptions {
  /** `diff` stops after planning and changes nothing. Default `sync`. */
  mode?: 'sync' | 'diff';
  /** Dry-run every object instead of trusting the inventory's record of unchanged ones. Default false. */
  full?: boolean;
  /** Stops the run: no new stage and no new API request after it (a request in flight finishes). */
  signal?: AbortSignal;
}

/**
 * One pass from a Git commit to a converged cluster: source → render → inventory → plan → apply → prune →
 * health → inventory. Each stage owns its failure; a failure before apply changes nothing, and pruning
 * only ever follows a fully successful apply.
 */
export async function reconcile(
  target: SyncTarget,
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<SyncResult> {
  const run = new Run(target, deps, options.signal);
  const { kube } = run;
  try {
    const disk = deps.renderCache
      ? undefined
      : await DiskRenderCache.open(deps.cacheDir, target, deps.version);
    const snapshot = await run.stage('source', async () =>
      fetchSource({
        ...sourceOptionsOf(target, deps, run.signal),
        known: await disk?.knownFor(() => clusterInfo(kube)),
      }),
    );
    run.result.commit = snapshot.commit;
    deps.onEvent?.({ type: 'source-resolved', commit: snapshot.commit });
    const rendered = await run.stage('render', async () => {
      const cluster = await chartCluster(target, snapshot, kube);
      return renderCached(
        deps.renderCache ?? disk,
        disk ? disk.keyOf(snapshot, target, cluster) : renderKey(snapshot, target, cluster),
        async () =>
          renderTarget(snapshot, await renderOptionsOf(target, kube, deps.auth, run.signal, cluster)),
      );
    });
    run.result.renderer = rendered.renderer;
    if (rendered.reused) deps.onEvent?.({ type: 'render-reused', commit: snapshot.commit });
    const manifests = rendered.manifests;
    const inventory = await run.stage('inventory', () =>
      loadInventory(kube, { target: target.name, namespace: target.inventoryNamespace }),
    );
    const desired = manifests.map((m) => ({ ...m, object: withPartOf(m.object, inventory.id) }));
    const plan = await run.stage('plan', () =>
      planSync(kube, desired, inventory, {
        fieldManager: FIELD_MANAGER,
        force: target.force,
        full: options.full === true || options.mode === 'diff',
        diffCreated: options.mode === 'diff',
        adopt: target.adopt === true,
      }),
    );
    const prune = await run.stage('prune', async () =>
      decidePrune(plan.stale, inventory, desired.length, target.prune),
    );
    if (options.mode === 'diff') return run.finish('planned', planChanges(plan, prune));
    const objects = desired.map((m) => m.object);
    deps.onEvent?.({ type: 'desired', commit: snapshot.commit, manifests: desired });
    const changing =
      plan.entries.some((e) => e.action !== 'unchanged') || prune.delete.length || prune.release.length;
    const applyOptions = {
      fieldManager: FIELD_MANAGER,
      force: target.force,
      crdTimeoutMs: 60_000,
      onApplied: (entry: ChangeSetEntry) => run.applied(entry),
    };
    const { first, rest } = splitBootstrap(plan, target.inventoryNamespace);
    const booted = first && (await run.stage('apply', () => applyPlan(kube, first, applyOptions)));
    if (booted && !booted.ok)
      return run.fail('apply', failures(booted.changes), booted.changes, booted.retryable);
    if (changing)
      await run.stage('inventory', () =>
        saveInventory(kube, inventory, supersetOf(inventory, plan), run.saveOpts),
      );
    const applied = joinOutcomes(booted, await run.stage('apply', () => applyPlan(kube, rest, applyOptions)));
    if (!applied.ok) return run.fail('apply', failures(applied.changes), applied.changes, applied.retryable);
    const pruned = await run.stage('prune', () => executePrune(kube, prune, FIELD_MANAGER));
    const records = keepRanJobs(
      withUndeleted(recordsAfter(inventory, plan, applied), inventory, prune.delete, pruned),
      inventory,
      plan.entries,
    );
    const changes = [...applied.changes, ...pruned];
    run.result.changes = changes;
    const health = await run.stage('health', () =>
      waitForHealth(kube, objects, {
        timeoutMs: target.healthTimeoutSeconds * 1000,
        labelSelector: `${PART_OF_LABEL}=${inventory.id}`,
        // With nothing applied the plan's LIST is current enough for a first look.
        initial: changing ? undefined : plan.entries.flatMap((e) => (e.live ? [e.live] : [])),
        onPoll: (pending) => deps.onEvent?.({ type: 'health', pending }),
        failureGraceMs:
          target.healthFailureGraceSeconds === undefined
            ? undefined
            : target.healthFailureGraceSeconds * 1000,
        selfDeletingJobs: selfDeletingJobs(plan),
        changed: changedKeys(applied.changes),
      }),
    );
    run.result.health = health;
    await run.stage('inventory', () => saveInventory(kube, inventory, records, run.saveOpts));
    if (pruned.some((p) => p.action === 'failed')) return run.fail('prune', failures(pruned), changes, true);
    return run.finish(health.every((h) => h.status === 'Current') ? 'synced' : 'unhealthy', changes);
  } catch (err) {
    return run.crash(err);
  }
}

/** What `diff` reports: every planned object, every deletion with its diff, every object kept. */
function planChanges(plan: Plan, prune: PruneDecision): ChangeSetEntry[] {
  return [
    ...plan.entries.map(({ ref, action, diff }) => ({ ref, action, diff })),
    ...prune.delete.map((s): ChangeSetEntry => ({
      ref: s.ref,
      action: 'deleted',
      diff: unifiedDiff(s.ref, s.live, undefined),
    })),
    ...prune.skipped,
  ];
}

function failures(changes: ChangeSetEntry[]): string {
  return changes
    .filter((c) => c.action === 'failed')
    .map((c) => c.message)
    .join('\n');
}

// The objects an apply created or changed, whose rollout starts now.
function changedKeys(changes: readonly ChangeSetEntry[]): Set<ObjectKey> {
  return new Set(
    changes.filter((c) => c.action === 'created' || c.action === 'configured').map((c) => objectKey(c.ref)),
  );
}
