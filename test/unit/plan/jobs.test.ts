// Jobs that delete themselves: the plan's decision not to run them again, and what health may expect gone.
import { describe, expect, it } from 'vitest';
import type { Inventory, KubeObject, ObjectKey, PlanEntry } from '../../../src/core/types.ts';
import { objectKey, refOf } from '../../../src/core/refs.ts';
import { alreadyRan, keepRanJobs, selfDeletingJobs } from '../../../src/plan/jobs.ts';

const job = (ttl?: number): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'admission-create', namespace: 'ingress-nginx' },
  spec: { ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), template: {} },
});

function entry(desired: KubeObject, extra: Partial<PlanEntry>): PlanEntry {
  const ref = refOf(desired);
  return {
    key: objectKey(ref),
    ref,
    desired,
    source: { file: 'jobs.yaml', document: 0, line: 1 },
    desiredHash: 'h1',
    action: 'unchanged',
    validated: true,
    migrate: false,
    ...extra,
  };
}

describe('alreadyRan', () => {
  const recorded = { uid: 'u1', desiredHash: 'h1', ownedHash: 'o1' };

  it('is true for a gone TTL Job whose exact manifest was applied before', () => {
    expect(alreadyRan(job(0), undefined, recorded, 'h1')).toBe(true);
  });

  it('is false when the manifest changed, the Job still exists, it has no TTL, or was never applied', () => {
    expect(alreadyRan(job(0), undefined, recorded, 'h2')).toBe(false);
    expect(alreadyRan(job(0), job(0), recorded, 'h1')).toBe(false);
    expect(alreadyRan(job(), undefined, recorded, 'h1')).toBe(false);
    expect(alreadyRan(job(0), undefined, { desiredHash: 'h1' }, 'h1')).toBe(false);
    expect(alreadyRan(job(0), undefined, undefined, 'h1')).toBe(false);
  });

  it('is false for other kinds with the same field', () => {
    expect(alreadyRan({ ...job(0), kind: 'CronJob' }, undefined, recorded, 'h1')).toBe(false);
  });
});

describe('selfDeletingJobs', () => {
  it('lists TTL Jobs applied by this sync, already run, or complete, and nothing else', () => {
    const complete = { ...job(0), status: { conditions: [{ type: 'Complete', status: 'True' }] } };
    const named = (name: string, j: KubeObject) => ({ ...j, metadata: { ...j.metadata, name } });
    const entries = [
      entry(named('created', job(0)), { action: 'created' }),
      entry(named('ran', job(0)), { ran: true }),
      entry(named('complete', job(30)), { live: named('complete', complete) }),
      entry(named('running', job(30)), { live: named('running', job(30)) }),
      entry(named('no-ttl', job()), { action: 'created' }),
    ];
    const keys = [...selfDeletingJobs({ entries, stale: [] })].map((k) => k.split('/').pop());
    expect(keys).toEqual(['created', 'ran', 'complete']);
  });
});

describe('keepRanJobs', () => {
  it('carries over the record of a Job that already ran', () => {
    const e = entry(job(0), { ran: true });
    const record = { uid: 'u1', desiredHash: 'h1', ownedHash: 'o1' };
    const inventory = { members: new Map([[e.key, record]]) } as unknown as Inventory;
    const after = keepRanJobs({ members: new Map<ObjectKey, object>([[e.key, {}]]) }, inventory, [e]);
    expect(after.members.get(e.key)).toEqual(record);
  });
});
