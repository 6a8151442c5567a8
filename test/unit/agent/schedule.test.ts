import { describe, expect, it } from 'vitest';
import { nextDelay, type LastAttempt } from '../../../src/agent/backoff.ts';
import { formatDuration, parseDuration } from '../../../src/agent/duration.ts';
import { isOpen, windowVerdict, type SyncWindow } from '../../../src/agent/windows.ts';

describe('nextDelay', () => {
  const policy = { intervalMs: 60_000, jitter: 0.1, retry: { initialMs: 10_000, maxMs: 300_000 } };
  const cases: [string, LastAttempt, number, number][] = [
    ['success waits one interval', { kind: 'ok' }, 0, 60_000],
    ['jitter adds up to its share', { kind: 'ok' }, 1, 66_000],
    ['a permanent failure waits one interval', { kind: 'permanent' }, 0.5, 63_000],
    ['the first retryable failure waits the initial delay', { kind: 'retryable', failures: 1 }, 0, 10_000],
    ['the third doubles twice', { kind: 'retryable', failures: 3 }, 0, 40_000],
    ['the cap holds', { kind: 'retryable', failures: 9 }, 0, 300_000],
    ['the cap holds for huge counts', { kind: 'retryable', failures: 5000 }, 0, 300_000],
    ['jitter applies to backoff too', { kind: 'retryable', failures: 2 }, 0.5, 21_000],
  ];
  it.each(cases)('%s', (_what, last, random, expected) => {
    expect(nextDelay(policy, last, () => random)).toBe(expected);
  });
});

describe('durations', () => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['', undefined],
    ['10', undefined],
    ['1d', undefined],
    ['-1s', undefined],
  ];
  it.each(cases)('parses "%s"', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each([
    [500, '500ms'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [0, '0ms'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('sync windows', () => {
  const at = (iso: string) => new Date(iso);
  const weekdayMornings: SyncWindow = { kind: 'allow', schedule: '0 9 * * 1-5', durationMs: 2 * 3_600_000 };
  const cases: [string, SyncWindow, string, boolean][] = [
    ['open at its start', weekdayMornings, '2026-12-02T09:00:00Z', true],
    ['open inside', weekdayMornings, '2026-12-02T10:59:59Z', true],
    ['closed at its end', weekdayMornings, '2026-12-02T11:00:00Z', false],
    ['closed before', weekdayMornings, '2026-12-02T08:59:00Z', false],
    ['closed on Saturday', weekdayMornings, '2026-12-05T09:30:00Z', false],
    [
      'read in its time zone',
      { ...weekdayMornings, timeZone: 'Europe/Berlin' },
      '2026-12-02T08:30:00Z',
      true,
    ],
    [
      'closed in its time zone',
      { ...weekdayMornings, timeZone: 'Europe/Berlin' },
      '2026-12-02T10:30:00Z',
      false,
    ],
  ];
  it.each(cases)('a window is %s', (_what, w, now, open) => expect(isOpen(w, at(now))).toBe(open));

  it('allows without windows, blocks outside every allow window, and inside any deny window', () => {
    const now = at('2026-12-02T12:00:00Z');
    expect(windowVerdict([], now)).toEqual({ allowed: true });
    expect(windowVerdict([weekdayMornings], now)).toEqual({
      allowed: false,
      reason: 'blocked by sync window (outside every allow window)',
    });
    expect(windowVerdict([weekdayMornings], at('2026-12-02T09:30:00Z'))).toEqual({ allowed: true });
    const freeze: SyncWindow = { kind: 'deny', schedule: '0 12 * * *', durationMs: 3_600_000 };
    expect(windowVerdict([freeze], now)).toEqual({
      allowed: false,
      reason: 'blocked by sync window (deny "0 12 * * *")',
    });
    // A deny window wins over an open allow window.
    const always: SyncWindow = { kind: 'allow', schedule: '* * * * *', durationMs: 120_000 };
    expect(windowVerdict([always, freeze], now).allowed).toBe(false);
    expect(windowVerdict([always, freeze], at('2026-12-02T13:00:00Z')).allowed).toBe(true);
  });
});
