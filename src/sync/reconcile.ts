import type { ChangeSetEntry, GitAuth, Plan, SyncResult, SyncTarget } from '../core/types.ts';
import type { SyncListener } from './events.ts';
import { Run } from './run.ts';
import { PART_OF_LABEL, withPartOf } from '../core/applyset.ts';
import { FIELD_MANAGER } from '../core/ownership.ts';
import { fetchSource } from '../source/source.ts';
import { render } from '../render/render.ts';
import { planSync } from '../plan/plan.ts';
import { unifiedDiff } from '../plan/diff.ts';
import { applyPlan } from '../apply/apply.ts';
import { loadInventory, saveInventory } from '../inventory/store.ts';
import { decidePrune, executePrune, type PruneDecision } from '../inventory/prune.ts';
import { recordsAfter, supersetOf, withUndeleted } from '../inventory/records.ts';
import { waitForHealth } from '../health/wait.ts';
import type { Kube } from '../kube/objects.ts';

/** What a reconcile needs from its surroundings. */
export interface ReconcileDeps {
  kube: Kube;
  /** Directory for Git clones, kept between syncs. */
  cacheDir: string;
  auth?: GitAuth;
  /** Agent version, written to the inventory's tooling annotation. */
  version: string;
  onEvent?: SyncListener;
}

/** Options of one reconcile. */
export interface ReconcileOptions {
  /** `diff` stops after planning and changes nothing. Default `sync`. */
  mode?: 'sync' | 'diff';
  /** Dry-run every object instead of trusting the inventory's record of unchanged ones. Default false. */
  full?: boolean;
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
  const { kube } = deps;
  const run = new Run(target, deps);
  try {
    const snapshot = await run.stage('source', () =>
      fetchSource({
        url: target.url,
        ref: target.ref,
        path: target.path,
        cacheDir: deps.cacheDir,
        auth: deps.auth,
        ...target.limits,
      }),
    );
    run.result.commit = snapshot.commit;
    const manifests = await run.stage('render', () =>
      render(snapshot, {
        path: target.path,
        defaultNamespace: target.namespace,
        scopeOf: kube.discovery.scopeOf,
        limits: target.limits,
      }),
    );
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
      }),
    );
    const prune = await run.stage('prune', async () =>
      decidePrune(plan.stale, inventory, desired.length, target.prune),
    );
    if (options.mode === 'diff') return run.finish('planned', planChanges(plan, prune));
    const changing =
      plan.entries.some((e) => e.action !== 'unchanged') || prune.delete.length || prune.release.length;
    if (changing)
      await run.stage('inventory', () =>
        saveInventory(kube, inventory, supersetOf(inventory, plan), run.saveOpts),
      );
    const applied = await run.stage('apply', () =>
      applyPlan(kube, plan, {
        fieldManager: FIELD_MANAGER,
        force: target.force,
        crdTimeoutMs: 60_000,
        onApplied: (entry) => deps.onEvent?.({ type: 'applied', entry }),
      }),
    );
    if (!applied.ok) return run.fail('apply', failures(applied.changes), applied.changes, false);
    const pruned = await run.stage('prune', () => executePrune(kube, prune, FIELD_MANAGER));
    const records = withUndeleted(recordsAfter(inventory, plan, applied), inventory, pruned);
    const changes = [...applied.changes, ...pruned];
    const health = await run.stage('health', () =>
      waitForHealth(
        kube,
        desired.map((m) => m.object),
        {
          timeoutMs: target.healthTimeoutSeconds * 1000,
          labelSelector: `${PART_OF_LABEL}=${inventory.id}`,
          // With nothing applied the plan's LIST is current enough for a first look.
          initial: changing ? undefined : plan.entries.flatMap((e) => (e.live ? [e.live] : [])),
          onPoll: (pending) => deps.onEvent?.({ type: 'health', pending }),
        },
      ),
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
