import { describe, expect, it } from 'vitest';
import type { KubeObject, ManagedFieldsEntry, ObjectKey } from '../../../src/core/types.ts';
import { classify, observe, removedByLifecycle } from '../../../src/agent/drift/observed.ts';
import { FightTracker } from '../../../src/agent/drift/fights.ts';

const T0 = '2026-12-01T10:00:00Z';
const T1 = '2026-12-01T10:00:05Z';
const agent = (fields: Record<string, unknown>, time = T0): ManagedFieldsEntry => ({
  manager: 'gitops-agent',
  operation: 'Apply',
  apiVersion: 'v1',
  time,
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
});
const update = (
  manager: string,
  fields: Record<string, unknown>,
  time = T1,
  subresource?: string,
): ManagedFieldsEntry => ({
  manager,
  operation: 'Update',
  apiVersion: 'v1',
  time,
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
  ...(subresource ? { subresource } : {}),
});
const obj = (managedFields: ManagedFieldsEntry[], uid = 'u1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', uid, managedFields },
});

const owned = { 'f:spec': { 'f:replicas': {}, 'f:template': {} } };
const withoutReplicas = { 'f:spec': { 'f:template': {} } };
const replicas = { 'f:spec': { 'f:replicas': {} } };

describe('classify', () => {
  const before = observe(obj([agent(owned)]));
  const cases: [string, KubeObject, ReturnType<typeof classify>][] = [
    [
      'a field taken by kubectl edit',
      obj([agent(withoutReplicas), update('kubectl-edit', replicas)]),
      { type: 'drift', managers: ['kubectl-edit'] },
    ],
    [
      'a field taken through the scale subresource',
      obj([agent(withoutReplicas), update('kubectl', replicas, T1, 'scale')]),
      { type: 'drift', managers: ['kubectl (scale)'] },
    ],
    [
      'a field removed by a client that keeps no entry',
      obj([agent(withoutReplicas)]),
      { type: 'drift', managers: [] },
    ],
    [
      'every agent field taken by a forced apply',
      obj([{ ...update('other', owned), operation: 'Apply' }]),
      { type: 'drift', managers: ['other'] },
    ],
    ['the agent applying again', obj([agent(owned, T1)]), { type: 'own' }],
    [
      'a status update',
      obj([agent(owned), update('kube-controller-manager', { 'f:status': {} }, T1, 'status')]),
      { type: 'foreign' },
    ],
    [
      'a label added by kubectl label',
      obj([agent(owned), update('kubectl-label', { 'f:metadata': { 'f:labels': { 'f:extra': {} } } })]),
      { type: 'foreign' },
    ],
    [
      'an object deleted and created again',
      obj([update('kubectl-create', owned)], 'u2'),
      { type: 'drift', managers: ['kubectl-create'] },
    ],
  ];
  for (const [name, after, want] of cases) {
    it(`sees ${name} as ${want.type}`, () => {
      expect(classify(before, observe(after))).toEqual(want);
    });
  }

  it('names only the managers whose entries changed', () => {
    const prior = observe(obj([agent(owned), update('kubectl-label', { 'f:metadata': {} }, T0)]));
    const after = observe(
      obj([
        agent(withoutReplicas),
        update('kubectl-label', { 'f:metadata': {} }, T0),
        update('hpa', replicas, T1, 'scale'),
      ]),
    );
    expect(classify(prior, after)).toEqual({ type: 'drift', managers: ['hpa (scale)'] });
  });
});

describe('FightTracker', () => {
  const key = 'apps/Deployment/ns/web' as ObjectKey;

  it('reports a fight after `threshold` corrections within the window, then holds without reporting again', () => {
    let now = 0;
    const t = new FightTracker({ threshold: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.decide(key, ['hpa (scale)'])).toEqual({ type: 'correct' });
      t.corrected(key, ['hpa (scale)']);
      now += 1000;
    }
    expect(t.decide(key, ['hpa (scale)'])).toEqual({
      type: 'fight',
      managers: ['hpa (scale)'],
      corrections: 3,
    });
    now += 1000;
    expect(t.decide(key, ['hpa (scale)'])).toEqual({ type: 'holding' });
    expect(t.fighting(key)).toBe(true);
  });

  it('does not count corrections older than the window', () => {
    let now = 0;
    const t = new FightTracker({ threshold: 2, windowMs: 10_000 }, () => now);
    t.corrected(key, ['a']);
    now = 20_000;
    t.corrected(key, ['a']);
    expect(t.decide(key, ['a'])).toEqual({ type: 'correct' });
  });

  it('ends a fight after a quiet window or a reset', () => {
    let now = 0;
    const t = new FightTracker({ threshold: 1, windowMs: 10_000 }, () => now);
    t.corrected(key, ['a']);
    expect(t.decide(key, ['a']).type).toBe('fight');
    now = 25_000;
    expect(t.decide(key, ['a'])).toEqual({ type: 'correct' });
    t.corrected(key, ['a']);
    expect(t.decide(key, ['a']).type).toBe('fight');
    t.reset(key);
    expect(t.fighting(key)).toBe(false);
    expect(t.decide(key, ['a'])).toEqual({ type: 'correct' });
  });
});

describe('removedByLifecycle', () => {
  const job = (ttl: number | undefined, condition?: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate' },
    spec: ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl },
    status: condition ? { conditions: [{ type: condition, status: 'True' }] } : {},
  });
  it('is true for a finished Job the TTL controller removes', () => {
    expect(removedByLifecycle(job(0, 'Complete'))).toBe(true);
    expect(removedByLifecycle(job(100, 'Failed'))).toBe(true);
  });
  it('is false for a running Job, a Job without a TTL, and other kinds', () => {
    expect(removedByLifecycle(job(0))).toBe(false);
    expect(removedByLifecycle(job(undefined, 'Complete'))).toBe(false);
    expect(removedByLifecycle({ ...job(0, 'Complete'), kind: 'ConfigMap', apiVersion: 'v1' })).toBe(false);
  });
});
