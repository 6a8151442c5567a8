// The Git host's answer in a target's status: how it is put into the status, when a new answer is worth a
// rewrite of the annotation, how `gitops-agent status` shows it, and that rewrites of one target keep their order.
import { describe, expect, it } from 'vitest';
import type { SyncResult } from '../../../src/core/types.ts';
import type { HostState } from '../../../src/agent/host/reporter.ts';
import { serialWrites } from '../../../src/agent/parent.ts';
import { statusOf, updatedHost, withHost, type TargetStatus } from '../../../src/agent/target-status.ts';
import { formatStatusTable } from '../../../src/cli/commands/status.ts';

const result: SyncResult = {
  target: 'web',
  url: 'https://h/r.git',
  ref: 'main',
  commit: 'c'.repeat(40),
  outcome: 'synced',
  changes: [],
  health: [],
  timings: {},
  requests: {},
};
const t0 = new Date('2026-12-01T10:00:00Z');
const t1 = new Date('2026-12-01T10:05:00Z');
const synced = statusOf({ kind: 'result', result }, {}, t0);
const ok: HostState = { ok: true, at: '2026-12-01T10:00:01Z' };
const okLater: HostState = { ok: true, at: '2026-12-01T10:03:00Z' };
const unauthorized: HostState = {
  ok: false,
  code: 'HOST_UNAUTHORIZED',
  message: 'GET /repos/acme/deploy/commits/c/status: HTTP 401: {"message":"Bad credentials"}',
  at: '2026-12-01T10:00:02Z',
};
const notFound: HostState = { ...unauthorized, code: 'HOST_NOT_FOUND', message: 'HTTP 404: Not Found' };

describe('withHost', () => {
  it.each<[string, TargetStatus, HostState | undefined, TargetStatus['host']]>([
    ['no answer: no field', synced, undefined, undefined],
    ['ok', synced, ok, ok],
    ['a refusal', synced, unauthorized, unauthorized],
    ['no answer any more: the old one is dropped', { ...synced, host: unauthorized }, undefined, undefined],
    [
      'a long message is cut to 300 characters',
      synced,
      { ...unauthorized, message: 'x'.repeat(5000) },
      { ...unauthorized, message: 'x'.repeat(300) },
    ],
  ])('%s', (_what, status, host, want) => {
    const out = withHost(status, host);
    expect(out.host).toEqual(want);
    expect('host' in out).toBe(want !== undefined);
    expect({ ...out, host: undefined }).toEqual({ ...synced, host: undefined });
  });
});

describe('updatedHost', () => {
  it.each<[string, HostState | undefined, HostState | undefined, boolean]>([
    ['first answer ok', undefined, ok, true],
    ['first answer a refusal', undefined, unauthorized, true],
    ['ok again, later: only the time moved', ok, okLater, false],
    ['ok to refused', ok, unauthorized, true],
    [
      'the same refusal again (another commit in its message)',
      unauthorized,
      { ...unauthorized, message: 'y' },
      false,
    ],
    ['another refusal', unauthorized, notFound, true],
    ['refused to ok: the token was fixed', unauthorized, okLater, true],
    ['the answer is gone', ok, undefined, true],
    ['still no answer', undefined, undefined, false],
  ])('%s: rewrite %s', (_what, before, after, rewrite) => {
    const status = withHost(synced, before);
    const next = updatedHost(status, after);
    expect(next !== undefined).toBe(rewrite);
    if (next) expect(next.host).toEqual(after);
  });
});

describe('formatStatusTable with a Git host', () => {
  const rows = [
    { name: 'api', namespace: 'web', status: withHost(synced, ok) },
    { name: 'plain', namespace: 'web', status: synced },
    { name: 'web', namespace: 'web', status: withHost(synced, unauthorized) },
    { name: 'new', namespace: 'web' },
  ];
  const lines = formatStatusTable(rows, t1).trimEnd().split('\n');

  it.each<[string, number, RegExp]>([
    [
      'the header has HOST before MESSAGE',
      0,
      /^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+HOST\s+MESSAGE\s+AGE$/,
    ],
    [
      'a host that takes the statuses',
      1,
      /^web\s+api\s+main@sha1:cccccccccccc\s+false\s+True\s+ok\s+applied revision/,
    ],
    [
      'a target without a host',
      2,
      /^web\s+plain\s+main@sha1:cccccccccccc\s+false\s+True\s+-\s+applied revision/,
    ],
    [
      'a refusal, by code',
      3,
      /^web\s+web\s+main@sha1:cccccccccccc\s+false\s+True\s+refused: HOST_UNAUTHORIZED\s+applied/,
    ],
    [
      "the refusal's message, under its row",
      4,
      /^ {2}host refused the commit statuses: GET \/repos\/acme\/deploy\/commits\/c\/status: HTTP 401: \{"message":"Bad credentials"\}$/,
    ],
    ['a target with no status yet', 5, /^web\s+new\s+Unknown\s+-\s+no status yet/],
  ])('%s', (_what, line, want) => {
    expect(lines[line]).toMatch(want);
  });

  it('keeps the columns aligned across the rows, the note line aside', () => {
    const at = (l: string) => l.indexOf('applied revision');
    expect(new Set([lines[1]!, lines[2]!, lines[3]!].map(at)).size).toBe(1);
    expect(lines).toHaveLength(6);
  });

  it('has no HOST column when no target has a host answer', () => {
    const text = formatStatusTable([{ name: 'plain', namespace: 'web', status: synced }], t1);
    expect(text).not.toContain('HOST');
    expect(text.split('\n')[0]).toMatch(/READY\s+MESSAGE/);
  });
});

describe('serialWrites', () => {
  it('runs the writes of one key in the order asked for, also after a failed one, and other keys beside them', async () => {
    const serial = serialWrites();
    const done: string[] = [];
    const write =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) =>
          setTimeout(() => {
            done.push(name);
            if (fail) reject(new Error(name));
            else resolve(name);
          }, ms),
        );
    const first = serial('web', write('web-1', 60));
    const failing = serial('web', write('web-2', 5, true));
    const third = serial('web', write('web-3', 1));
    const other = serial('api', write('api-1', 20));
    await expect(first).resolves.toBe('web-1');
    await expect(failing).rejects.toThrow('web-2');
    await expect(third).resolves.toBe('web-3');
    await expect(other).resolves.toBe('api-1');
    expect(done).toEqual(['api-1', 'web-1', 'web-2', 'web-3']);
  });
});
