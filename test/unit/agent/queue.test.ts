import { describe, expect, it } from 'vitest';
import { SyncQueue, type SyncReason } from '../../../src/agent/queue.ts';

/** A runner whose syncs finish only when the test says so, recording what ran and what overlapped. */
function gatedRunner() {
  const runs: { target: string; reason: SyncReason }[] = [];
  const open = new Map<string, () => void>();
  let active = 0;
  let maxActive = 0;
  const overlaps: string[] = [];
  const running = new Set<string>();
  const run = (target: string, reason: SyncReason) => {
    if (running.has(target)) overlaps.push(target);
    running.add(target);
    runs.push({ target, reason });
    maxActive = Math.max(maxActive, ++active);
    return new Promise<void>((resolve) =>
      open.set(target, () => {
        running.delete(target);
        active--;
        open.delete(target);
        resolve();
      }),
    );
  };
  return {
    run,
    runs,
    overlaps,
    get maxActive() {
      return maxActive;
    },
    finish: async (target: string) => {
      open.get(target)?.();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SyncQueue', () => {
  it('coalesces requests during a sync into exactly one more sync right after it', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 4);
    q.trigger('a', 'start');
    await tick();
    q.trigger('a', 'webhook');
    q.trigger('a', 'drift');
    q.trigger('a', 'requested');
    expect(g.runs).toEqual([{ target: 'a', reason: 'start' }]);
    await g.finish('a');
    expect(g.runs).toEqual([
      { target: 'a', reason: 'start' },
      { target: 'a', reason: 'webhook' },
    ]);
    await g.finish('a');
    await tick();
    expect(g.runs).toHaveLength(2);
    expect(g.overlaps).toEqual([]);
  });

  it('runs at most `concurrency` syncs at once and starts queued ones as slots free up', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 2);
    for (const t of ['a', 'b', 'c', 'd']) q.trigger(t, 'start');
    await tick();
    expect(g.runs.map((r) => r.target)).toEqual(['a', 'b']);
    q.trigger('c', 'webhook'); // already queued: no second entry
    await g.finish('a');
    expect(g.runs.map((r) => r.target)).toEqual(['a', 'b', 'c']);
    await g.finish('b');
    await g.finish('c');
    await g.finish('d');
    expect(g.runs.map((r) => r.target)).toEqual(['a', 'b', 'c', 'd']);
    expect(g.maxActive).toBe(2);
  });

  it('raises the limit at once when concurrency changes', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 1);
    for (const t of ['a', 'b', 'c']) q.trigger(t, 'start');
    await tick();
    expect(g.runs).toHaveLength(1);
    q.setConcurrency(3);
    await tick();
    expect(g.runs).toHaveLength(3);
  });

  it('fires a scheduled sync after its delay, the later schedule replacing the earlier', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 1);
    q.schedule('a', 10_000, 'interval');
    q.schedule('a', 20, 'retry');
    await new Promise((r) => setTimeout(r, 60));
    expect(g.runs).toEqual([{ target: 'a', reason: 'retry' }]);
    await g.finish('a');
    await q.stop();
  });

  it('stop() drops queued work and timers and waits for syncs in flight', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 1);
    q.trigger('a', 'start');
    q.trigger('b', 'start');
    q.schedule('c', 10, 'interval');
    await tick();
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    q.trigger('a', 'webhook');
    await tick();
    expect(stopped).toBe(false);
    await g.finish('a');
    await stopping;
    await new Promise((r) => setTimeout(r, 30));
    expect(g.runs.map((r) => r.target)).toEqual(['a']);
    expect(q.trigger('a', 'webhook')).toBe(false);
  });

  it('forgets a removed target: its queued sync and its coalesced one do not run', async () => {
    const g = gatedRunner();
    const q = new SyncQueue(g.run, 1);
    q.trigger('a', 'start');
    q.trigger('b', 'start');
    await tick();
    q.trigger('a', 'webhook');
    q.remove('b');
    q.remove('a');
    await g.finish('a');
    await tick();
    expect(g.runs.map((r) => r.target)).toEqual(['a']);
  });
});
