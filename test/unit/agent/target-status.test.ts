import { describe, expect, it } from 'vitest';
import type { SyncResult } from '../../../src/core/types.ts';
import { statusOf, type TargetStatus } from '../../../src/agent/target-status.ts';
import { formatStatusTable } from '../../../src/cli/commands/status.ts';

const ref = { group: '', kind: 'ConfigMap', namespace: 'web', name: 'a' };
const base: SyncResult = {
  target: 'web',
  url: 'https://h/r.git',
  ref: 'main',
  commit: 'c'.repeat(40),
  outcome: 'synced',
  changes: [
    { ref, action: 'created' },
    { ref: { ...ref, name: 'b' }, action: 'unchanged' },
  ],
  health: [{ ref, status: 'Current', message: 'ok' }],
  timings: {},
  requests: {},
};
const t0 = new Date('2026-12-01T10:00:00Z');
const t1 = new Date('2026-12-01T10:05:00Z');

describe('statusOf', () => {
  it('describes a synced result', () => {
    const s = statusOf({ kind: 'result', result: base }, {}, t0);
    expect(s).toEqual({
      target: 'web',
      ready: 'True',
      outcome: 'synced',
      message: `applied revision main@sha1:${'c'.repeat(12)} (1 created)`,
      repo: 'https://h/r.git',
      ref: 'main',
      lastAttemptedRevision: 'c'.repeat(40),
      lastAppliedRevision: 'c'.repeat(40),
      counts: { created: 1, unchanged: 1 },
      health: { Current: 1 },
      suspended: false,
      lastAttemptAt: t0.toISOString(),
      lastSuccessAt: t0.toISOString(),
      lastTransitionAt: t0.toISOString(),
    });
  });

  it('keeps the last applied revision and success time through a failure, and moves the transition time', () => {
    const prev = statusOf({ kind: 'result', result: base }, {}, t0);
    const failed: SyncResult = {
      ...base,
      commit: 'd'.repeat(40),
      outcome: 'failed',
      changes: [],
      health: [],
      error: {
        stage: 'render',
        message: 'deploy/x.yaml:3 (document 1): YAML syntax error',
        retryable: false,
      },
    };
    const s = statusOf({ kind: 'result', result: failed }, { status: prev, lastHandledRequest: 'r1' }, t1);
    expect(s).toMatchObject({
      ready: 'False',
      outcome: 'failed',
      message: 'render failed: deploy/x.yaml:3 (document 1): YAML syntax error',
      lastAttemptedRevision: 'd'.repeat(40),
      lastAppliedRevision: 'c'.repeat(40),
      lastSuccessAt: t0.toISOString(),
      lastTransitionAt: t1.toISOString(),
      lastHandledRequest: 'r1',
      error: { stage: 'render', retryable: false },
    });
    const again = statusOf(
      { kind: 'result', result: failed },
      { status: s },
      new Date('2026-12-01T10:10:00Z'),
    );
    expect(again.lastTransitionAt).toBe(t1.toISOString());
  });

  it('reports blocked, unhealthy and suspended', () => {
    const planned: SyncResult = { ...base, outcome: 'planned' };
    expect(
      statusOf({ kind: 'result', result: planned, blocked: 'blocked by sync window (deny "x")' }, {}, t0),
    ).toMatchObject({
      outcome: 'blocked',
      ready: 'False',
      message: `blocked by sync window (deny "x"): 1 change(s) planned, not applied (revision main@sha1:${'c'.repeat(12)})`,
    });
    const unhealthy: SyncResult = {
      ...base,
      outcome: 'unhealthy',
      health: [{ ref, status: 'InProgress', message: 'waiting' }],
    };
    expect(statusOf({ kind: 'result', result: unhealthy }, {}, t0).message).toMatch(
      /1 object\(s\) not healthy, e.g. ConfigMap\/web\/a InProgress: waiting/,
    );
    expect(statusOf({ kind: 'suspended', target: 'web', repo: 'r', ref: 'main' }, {}, t0)).toMatchObject({
      outcome: 'suspended',
      suspended: true,
      ready: 'False',
    });
  });
});

describe('formatStatusTable', () => {
  it('prints the columns of flux get kustomizations', () => {
    const s: TargetStatus = statusOf({ kind: 'result', result: base }, {}, t0);
    const text = formatStatusTable(
      [
        { name: 'web', namespace: 'web', status: s },
        { name: 'new', namespace: 'web' },
      ],
      t1,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\s+AGE$/);
    expect(lines[1]).toMatch(
      /^web\s+web\s+main@sha1:cccccccccccc\s+false\s+True\s+applied revision .* \(1 created\)\s+5m$/,
    );
    expect(lines[2]).toMatch(/^web\s+new\s+Unknown\s+no status yet/);
  });
});
