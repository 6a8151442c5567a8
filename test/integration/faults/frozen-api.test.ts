// A frozen API server (every connection open, no answer, as under SIGSTOP) must not hold a sync for the sum of
// its requests' timeouts: the circuit stops after the first few, the sync's and each stage's deadline bound
// the rest, the result is failed and retryable with a clear message, and nothing is pruned.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncTarget } from '../../../src/core/types.ts';
import type { KubeClientOptions } from '../../../src/kube/client.ts';
import { Kube } from '../../../src/kube/objects.ts';
import { reconcile } from '../../../src/sync/reconcile.ts';
import { frozenProxy } from '../../support/frozen-proxy.ts';
import { getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const configMap = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { v: "${value}" }\n`;

function files(count: number, value: string, withGone: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`deploy/cm-${i}.yaml`] = configMap(`cm-${i}`, value);
  if (withGone) out['deploy/gone.yaml'] = configMap('gone', value);
  return out;
}

/**
 * Syncs `count` ConfigMaps and one more (`gone`) through a proxy, then commits a change to every ConfigMap
 * with `gone` removed, so the next sync would apply `count` objects and prune one. That sync runs through the
 * proxy with `client` options and `overrides`, the proxy frozen when `freezeAt` happens.
 */
async function frozenSync(
  fx: SyncFixture,
  count: number,
  opts: { client: Partial<KubeClientOptions>; overrides: Partial<SyncTarget>; freezeAt: 'start' | 'apply' },
) {
  const proxy = await frozenProxy();
  suite.onCleanup(() => proxy.close());
  const kube = Kube.load(proxy.kubeconfig, opts.client);
  suite.onCleanup(async () => kube.close());
  const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-cache-'));
  suite.onCleanup(() => rm(cacheDir, { recursive: true, force: true }));
  const deps = { kube, cacheDir, version: 'test' };
  await fx.repo.commit(files(count, '1', true), 'first');
  const first = await reconcile(fx.target, deps);
  expect(first.error).toBeUndefined();
  await fx.repo.commit(files(count, '2', false), 'change all, remove gone');
  if (opts.freezeAt === 'start') proxy.freeze();
  const started = performance.now();
  const result = await reconcile(
    { ...fx.target, ...opts.overrides },
    {
      ...deps,
      onEvent: (e) => {
        if (opts.freezeAt === 'apply' && e.type === 'stage-start' && e.stage === 'apply') proxy.freeze();
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `frozen API server (${opts.freezeAt}): sync ended in ${seconds.toFixed(1)} s, stages ${JSON.stringify(result.timings)}: ${result.error?.message.split('\n')[0]}`,
  );
  return { result, seconds };
}

describe('a frozen API server', () => {
  it('opens the circuit after the first timeouts and fails the remaining requests at once, naming each object', async () => {
    const fx = await suite.fixture('frozen-circuit');
    // 64 objects at 16 in flight are 4 rounds of 3 s timeouts without the circuit; with it, one round.
    const { result } = await frozenSync(fx, 64, {
      client: { timeoutMs: 3_000 },
      overrides: {},
      freezeAt: 'apply',
    });
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatchObject({ stage: 'apply', retryable: true });
    expect(result.error?.message).toMatch(
      new RegExp(
        `^ConfigMap/${fx.namespace}/cm-\\d+ .*(not sent|cut off): the API server at \\S+ left 3 requests in a row without an answer`,
        'm',
      ),
    );
    expect(result.timings.apply).toBeLessThan(7_500);
    const failed = result.changes.filter((c) => c.action === 'failed');
    expect(failed).toHaveLength(64);
    expect(await getLive('configmap', 'gone', fx.namespace)).toBeDefined();
  });

  it('ends the sync at its deadline, also while the requests in flight wait for their own timeouts', async () => {
    const fx = await suite.fixture('frozen-sync');
    const { result, seconds } = await frozenSync(fx, 3, {
      client: { circuitThreshold: 1_000 },
      overrides: { syncTimeoutSeconds: 8 },
      freezeAt: 'start',
    });
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatchObject({ stage: 'inventory', retryable: true });
    expect(result.error?.message).toMatch(
      /the sync did not finish within its deadline of 8 s \(syncTimeoutSeconds\)/,
    );
    // It waited for the deadline (not a quicker failure of its own) and no longer: requests time out at 30 s.
    expect(seconds).toBeGreaterThan(7.5);
    expect(seconds).toBeLessThan(20);
    expect(await getLive('configmap', 'gone', fx.namespace)).toBeDefined();
  });

  it('ends a stage at its deadline, cutting off the requests in flight, and prunes nothing', async () => {
    const fx = await suite.fixture('frozen-stage');
    const { result } = await frozenSync(fx, 3, {
      client: { circuitThreshold: 1_000 },
      overrides: { stageTimeoutSeconds: 5 },
      freezeAt: 'apply',
    });
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatchObject({ stage: 'apply', retryable: true });
    expect(result.error?.message).toMatch(
      /apply did not finish within the stage deadline of 5 s \(stageTimeoutSeconds\)/,
    );
    expect(result.timings.apply).toBeGreaterThan(4_500);
    expect(result.timings.apply).toBeLessThan(15_000);
    expect(result.timings.prune ?? 0).toBeLessThan(1_000);
    expect(await getLive('configmap', 'gone', fx.namespace)).toBeDefined();
  });
});
