// The Agent in-process against the real control plane and Git server: when syncs start, and what they leave.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.ts';
import { parseAgentConfig } from '../../../src/agent/config.ts';
import type { AgentEvent } from '../../../src/agent/events.ts';
import { createLogger } from '../../../src/agent/log.ts';
import { createMetrics } from '../../../src/agent/metrics.ts';
import { Readiness } from '../../../src/agent/readiness.ts';
import { Redactor } from '../../../src/agent/redact.ts';
import type { TargetOwnership } from '../../../src/agent/ownership.ts';
import { PART_OF_LABEL } from '../../../src/core/applyset.ts';
import { eventually } from '../../support/cluster.ts';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;
// A claim with no storage never binds: a sync with it waits for health until its timeout.
const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: none\n  resources:\n    requests:\n      storage: 1Gi\n`;

interface Harness {
  agent: Agent;
  events: AgentEvent[];
  readiness: Readiness;
  starts(target: string): AgentEvent[];
  dones(target: string): Extract<AgentEvent, { type: 'sync-done' }>[];
}

async function startAgent(
  fx: SyncFixture,
  agentSettings: Record<string, unknown>,
  targets: Record<string, unknown>[],
  ownership?: TargetOwnership,
): Promise<Harness> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-agent-inproc-'));
  const config = parseAgentConfig(stringify({ agent: { listen: '127.0.0.1:0', ...agentSettings }, targets }));
  const redactor = new Redactor();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const readiness = new Readiness();
  const agent = new Agent({
    kube: fx.kube,
    config,
    version: 'test',
    cacheDir,
    log: createLogger({ redactor, destination: sink, level: 'debug' }),
    redactor,
    metrics: createMetrics({ cluster: 'test' }),
    readiness,
    ownership,
  });
  const events: AgentEvent[] = [];
  agent.subscribe((e) => e.type !== 'sync-progress' && events.push(e));
  suite.onCleanup(async () => {
    await agent.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });
  return {
    agent,
    events,
    readiness,
    starts: (t) => events.filter((e) => e.type === 'sync-start' && e.target === t),
    dones: (t) =>
      events.filter(
        (e): e is Extract<AgentEvent, { type: 'sync-done' }> => e.type === 'sync-done' && e.target === t,
      ),
  };
}

function target(fx: SyncFixture, extra: Record<string, unknown> = {}) {
  return { name: fx.namespace, repo: fx.repo.url, path: 'deploy', namespace: fx.namespace, ...extra };
}

describe('Agent', () => {
  it('coalesces triggers during a sync into one more sync, never two at once, and keeps the desired objects', async () => {
    const fx = await suite.fixture('coalesce');
    await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'one'), 'deploy/pvc.yaml': pvc }, 'one');
    const h = await startAgent(fx, { retry: { initial: '1h', max: '1h' } }, [
      target(fx, { interval: '1h', healthTimeoutSeconds: 3 }),
    ]);
    expect(h.readiness.check().ready).toBe(false);
    await h.agent.start();
    await eventually('the first sync to start', async () => h.starts(fx.namespace).length === 1);
    for (const reason of ['webhook', 'drift', 'webhook'])
      expect(h.agent.trigger(fx.namespace, reason)).toBe(true);
    await eventually('two syncs to finish', async () => h.dones(fx.namespace).length === 2, {
      timeoutMs: 30_000,
    });
    // Wait past another sync's length: no third sync comes.
    await new Promise((r) => setTimeout(r, 5_000));
    const mine = h.events.filter((e) => 'target' in e && e.target === fx.namespace).map((e) => e.type);
    expect(mine).toEqual(['sync-start', 'sync-done', 'sync-start', 'sync-done']);
    expect(h.starts(fx.namespace).map((e) => (e as { reason: string }).reason)).toEqual(['start', 'webhook']);
    expect(h.dones(fx.namespace)[0]?.outcome).toBe('unhealthy');
    expect(h.readiness.check().ready).toBe(true);
    const desired = h.agent.getDesired(fx.namespace) ?? [];
    expect(desired.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/a',
      'PersistentVolumeClaim/data',
    ]);
    expect(desired.every((o) => o.metadata.labels?.[PART_OF_LABEL]?.startsWith('applyset-'))).toBe(true);
    expect(h.agent.mayApply(fx.namespace)).toBe(true);
    expect(h.agent.trigger('no-such-target', 'webhook')).toBe(false);
  });

  it('backs off a retryable failure exponentially up to the cap', async () => {
    const fx = await suite.fixture('backoff');
    // Nothing listens on port 9 of loopback: every fetch fails at once, and a retry might help.
    const h = await startAgent(fx, { jitter: 0, retry: { initial: '500ms', max: '2s' } }, [
      { name: fx.namespace, repo: 'http://127.0.0.1:9/none.git', namespace: fx.namespace, interval: '1h' },
    ]);
    await h.agent.start();
    await eventually('five attempts', async () => h.dones(fx.namespace).length >= 5, { timeoutMs: 30_000 });
    const done = h.dones(fx.namespace);
    expect(done.every((d) => d.outcome === 'failed' && d.result?.error?.retryable === true)).toBe(true);
    const at = done.map((d) => Date.parse(d.status.lastAttemptAt));
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 0.5 s, 1 s, 2 s, 2 s (each plus the length of a failing sync).
    expect(gaps[0]).toBeGreaterThanOrEqual(450);
    expect(gaps[1]).toBeGreaterThanOrEqual(950);
    expect(gaps[2]).toBeGreaterThanOrEqual(1_950);
    expect(gaps[3]).toBeGreaterThanOrEqual(1_950);
    expect(gaps[3]).toBeLessThan(2_000 + 3_000);
  });

  it('waits one interval, not the retry delay, after a bad commit, and keeps the global limit', async () => {
    const fx = await suite.fixture('permanent');
    const other = await suite.fixture('permanent-b');
    await fx.repo.commit({ 'deploy/bad.yaml': 'kind: [\n' }, 'bad');
    await other.repo.commit({ 'deploy/a.yaml': cm('a', 'one') }, 'one');
    const h = await startAgent(fx, { concurrency: 1, jitter: 0, retry: { initial: '100ms', max: '100ms' } }, [
      target(fx, { interval: '2s' }),
      target(other, { interval: '2s' }),
    ]);
    await h.agent.start();
    await eventually('three attempts of the bad commit', async () => h.dones(fx.namespace).length >= 3, {
      timeoutMs: 30_000,
    });
    const done = h.dones(fx.namespace);
    expect(done[0]?.result?.error).toMatchObject({ stage: 'render', retryable: false });
    const at = done.map((d) => Date.parse(d.status.lastAttemptAt));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1_900);
    // With a limit of one, no two syncs ever overlapped, across targets.
    let running = 0;
    for (const e of h.events) {
      if (e.type === 'sync-start') expect(++running).toBe(1);
      if (e.type === 'sync-done') running--;
    }
    expect(h.dones(other.namespace)[0]?.outcome).toBe('synced');
  });

  it('syncs only the targets it owns, syncs one as soon as it is handed over, and releases ownership when stopped', async () => {
    const fx = await suite.fixture('ownership');
    await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'one') }, 'one');
    const owned = new Set<string>();
    const listeners: ((s: ReadonlySet<string>) => void)[] = [];
    const calls: string[] = [];
    const ownership: TargetOwnership = {
      start: async () => void calls.push('start'),
      owns: (t) => owned.has(t),
      onChange: (l) => void listeners.push(l),
      release: async () => void calls.push('release'),
    };
    const h = await startAgent(fx, {}, [target(fx, { interval: '1h' })], ownership);
    await h.agent.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(h.starts(fx.namespace)).toEqual([]);
    expect(h.agent.mayApply(fx.namespace)).toBe(false);
    // Not owned targets do not hold readiness back.
    expect(h.readiness.check().ready).toBe(true);
    owned.add(fx.namespace);
    for (const l of listeners) l(owned);
    await eventually(
      'the handed-over target to sync',
      async () => h.dones(fx.namespace)[0]?.outcome === 'synced',
    );
    expect(h.starts(fx.namespace).map((e) => (e as { reason: string }).reason)).toEqual(['ownership']);
    await h.agent.stop();
    expect(calls).toEqual(['start', 'release']);
    expect(h.agent.trigger(fx.namespace, 'webhook')).toBe(false);
  });
});
