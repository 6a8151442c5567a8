import { describe, expect, it } from 'vitest';
import { assignedTo, ownerOf } from '../../../src/agent/leases/assign.ts';
import { Holdings } from '../../../src/agent/leases/holdings.ts';
import { nextTry } from '../../../src/agent/leases/options.ts';
import { leaseNow } from '../../../src/kube/lease.ts';

const targets = Array.from({ length: 300 }, (_, i) => `target-${i}`);
const owners = (members: string[]) => new Map(targets.map((t) => [t, ownerOf(members, t)]));

describe('ownerOf (rendezvous hashing)', () => {
  it('gives the same owner whatever the order the members were seen in', () => {
    expect(owners(['a', 'b', 'c'])).toEqual(owners(['c', 'a', 'b']));
  });

  it('shares targets out roughly evenly', () => {
    const counts = ['a', 'b', 'c'].map((m) => assignedTo(m, ['a', 'b', 'c'], targets).size);
    expect(counts.reduce((x, y) => x + y)).toBe(300);
    for (const n of counts) expect(n).toBeGreaterThan(70);
  });

  it('moves only the targets of a member that leaves, and only to a member that joins', () => {
    const three = owners(['a', 'b', 'c']);
    const two = owners(['a', 'b']);
    for (const t of targets) if (three.get(t) !== 'c') expect(two.get(t)).toBe(three.get(t));
    const four = owners(['a', 'b', 'c', 'd']);
    for (const t of targets) if (four.get(t) !== 'd') expect(four.get(t)).toBe(three.get(t));
  });

  it('has no owner without members', () => {
    expect(ownerOf([], 'x')).toBeUndefined();
  });
});

describe('Holdings', () => {
  it('aborts the write of a target whose deadline passed, and tells listeners', () => {
    const deadlines = new Map([['x', leaseNow() + 60_000]]);
    const holdings = new Holdings(() => deadlines);
    const seen: string[][] = [];
    holdings.onChange((owned) => seen.push([...owned]));
    holdings.refresh();
    const guard = holdings.begin('x');
    expect(guard?.signal.aborted).toBe(false);
    expect(holdings.begin('y')).toBeUndefined();
    deadlines.set('x', leaseNow() - 1);
    holdings.refresh();
    expect(guard?.signal.aborted).toBe(true);
    expect(seen).toEqual([['x'], []]);
    holdings.close();
  });

  it('drains: no new writes, and resolves when the last one ends', async () => {
    const holdings = new Holdings(() => new Map([['x', leaseNow() + 60_000]]));
    const guard = holdings.begin('x')!;
    let drained = false;
    const draining = holdings.drain().then(() => (drained = true));
    expect(holdings.begin('x')).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(holdings.busy('x')).toBe(true);
    guard.end();
    await draining;
    expect(drained).toBe(true);
    holdings.close();
  });
});

describe('nextTry', () => {
  const timing = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
  it('keeps one retry period from the start of the last try, or comes early for an expiry', () => {
    expect(nextTry(timing, 1_000, 1_500, [])).toBe(1_500);
    expect(nextTry(timing, 1_000, 1_500, [2_000])).toBe(505);
    expect(nextTry(timing, 1_000, 1_500, [1_400])).toBe(1_500);
    expect(nextTry(timing, 1_000, 4_000, [])).toBe(0);
  });
});
