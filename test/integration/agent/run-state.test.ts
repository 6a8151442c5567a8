// What each run of the engine keeps to itself: its request counts, its stop signal, what it applied before a
// crash, and a render that an unchanged set of files does not redo.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../../src/sync/events.ts';
import { reconcile } from '../../../src/sync/reconcile.ts';
import type { RenderCache } from '../../../src/sync/render-cache.ts';
import { getLive, useSyncFixtures } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

function files(prefix: string, n: number, value: string): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`deploy/${prefix}${i}.yaml`, cm(`${prefix}${i}`, value)]),
  );
}

describe('one run of the engine', () => {
  it('counts only its own requests while another target syncs on the same client', async () => {
    const a = await suite.fixture('counts-a');
    const b = await suite.fixture('counts-b');
    await a.repo.commit(files('a', 3, 'one'), 'a');
    await b.repo.commit(files('b', 12, 'one'), 'b');
    // Both targets through one shared client, at the same time.
    const deps = { kube: a.kube, version: 'test' };
    const before = { ...a.kube.client.counts };
    const [ra, rb] = await Promise.all([
      reconcile(a.target, { ...deps, cacheDir: await tmp() }),
      reconcile({ ...b.target }, { ...deps, cacheDir: await tmp() }),
    ]);
    expect([ra.outcome, rb.outcome]).toEqual(['synced', 'synced']);
    // Each counted its own objects' dry-runs and applies, not the sum (inventory writes are the same for both).
    expect(ra.requests.DRYRUN).toBe(3);
    expect(rb.requests.DRYRUN).toBe(12);
    expect(rb.requests.APPLY! - ra.requests.APPLY!).toBe(12 - 3);
    // And the shared client saw both.
    const total = (k: string) => (a.kube.client.counts[k] ?? 0) - (before[k] ?? 0);
    expect(total('APPLY')).toBe(ra.requests.APPLY! + rb.requests.APPLY!);
    expect(total('LIST')).toBe((ra.requests.LIST ?? 0) + (rb.requests.LIST ?? 0));
  });

  it('stops at its signal and keeps in its result the changes it applied before', async () => {
    const fx = await suite.fixture('abort');
    await fx.repo.commit(files('c', 20, 'one'), 'twenty');
    const controller = new AbortController();
    let applied = 0;
    const onEvent = (e: SyncEvent) => {
      if (e.type === 'applied' && ++applied === 3) controller.abort(new Error('test stop'));
    };
    const r = await reconcile(
      fx.target,
      { kube: fx.kube, cacheDir: await tmp(), version: 'test', onEvent },
      { signal: controller.signal },
    );
    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('apply');
    expect(r.error?.message).toMatch(/not sent, the run was stopped/);
    // What went out before the stop is reported, not lost.
    const created = r.changes.filter((c) => c.action === 'created');
    expect(created.length).toBeGreaterThanOrEqual(3);
    expect(created.length).toBeLessThan(20);
    for (const c of created) expect(await getLive('configmap', c.ref.name, fx.namespace)).toBeDefined();
    // The next run, not stopped, converges.
    const again = await fx.sync();
    expect(again.outcome).toBe('synced');
    expect(again.changes.filter((c) => c.action === 'created')).toHaveLength(20 - created.length);
  });

  it('starts no stage when stopped before it begins', async () => {
    const fx = await suite.fixture('abort-early');
    await fx.repo.commit(files('d', 1, 'one'), 'one');
    const r = await reconcile(
      fx.target,
      { kube: fx.kube, cacheDir: await tmp(), version: 'test' },
      { signal: AbortSignal.abort() },
    );
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatchObject({ stage: 'source', retryable: true });
    expect(r.requests).toEqual({});
  });

  it('does not parse an unchanged set of files again, even at a new commit, and remembers a bad one', async () => {
    const fx = await suite.fixture('render-reuse');
    await fx.repo.commit(files('e', 5, 'one'), 'five');
    const renderCache: RenderCache = {};
    const events: SyncEvent[] = [];
    const deps = {
      kube: fx.kube,
      cacheDir: await tmp(),
      version: 'test',
      renderCache,
      onEvent: (e: SyncEvent) => events.push(e),
    };
    expect((await reconcile(fx.target, deps)).outcome).toBe('synced');
    expect(events.some((e) => e.type === 'render-reused')).toBe(false);
    const firstManifests =
      renderCache.last && 'manifests' in renderCache.last ? renderCache.last.manifests : undefined;
    expect(firstManifests).toHaveLength(5);

    // A commit outside the path: same files, so the same render is reused.
    events.length = 0;
    const other = await fx.repo.commit({ 'README.md': 'docs only\n' }, 'docs');
    const r = await reconcile(fx.target, deps);
    expect(r.outcome).toBe('synced');
    expect(r.commit).toBe(other);
    expect(events).toContainEqual({ type: 'render-reused', commit: other });
    expect(renderCache.last && 'manifests' in renderCache.last ? renderCache.last.manifests : undefined).toBe(
      firstManifests,
    );

    // A bad commit fails once by parsing, then again from the cache, naming the same file and line.
    await fx.repo.commit({ 'deploy/bad.yaml': 'kind: [\n' }, 'bad');
    const bad1 = await reconcile(fx.target, deps);
    events.length = 0;
    const bad2 = await reconcile(fx.target, deps);
    expect(bad1.error?.message).toMatch(/deploy\/bad\.yaml:\d/);
    expect(bad2.error).toEqual(bad1.error);
    expect(renderCache.last && 'error' in renderCache.last).toBe(true);
    expect(events.some((e) => e.type === 'render-reused')).toBe(false);
  });
});

async function tmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-run-state-'));
  suite.onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
