import { describe, expect, it } from 'vitest';
import { decidePrune } from '../../../src/inventory/prune.ts';
import { objectKey } from '../../../src/core/refs.ts';
import type { Inventory, KubeObject, ObjectRef, PruneOptions, StaleEntry } from '../../../src/core/types.ts';

const policy: PruneOptions = { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false };
const ref = (name: string): ObjectRef => ({ group: '', kind: 'ConfigMap', namespace: 'ns', name });
const stale = (name: string, annotations?: Record<string, string>): StaleEntry => ({
  key: objectKey(ref(name)),
  ref: ref(name),
  live: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', uid: `u-${name}`, annotations },
  } as KubeObject,
});
const inventory = (names: string[]): Inventory => ({
  id: 'applyset-x-v1',
  parent: { group: '', kind: 'ConfigMap', namespace: 'ns', name: 'gitops-agent.t' },
  exists: true,
  groupKinds: ['ConfigMap'],
  namespaces: ['ns'],
  members: new Map(names.map((n) => [objectKey(ref(n)), { uid: `u-${n}` }])),
});
const names = (s: StaleEntry[]) => s.map((x) => x.ref.name);

describe('decidePrune', () => {
  it('deletes recorded members that left Git', () => {
    const d = decidePrune([stale('d')], inventory(['a', 'b', 'c', 'd']), 3, policy);
    expect(names(d.delete)).toEqual(['d']);
    expect(d.skipped).toEqual([]);
  });

  it('never deletes an object the inventory does not record', () => {
    const d = decidePrune([stale('foreign')], inventory(['a']), 1, policy);
    expect(d.delete).toEqual([]);
    expect(d.skipped).toMatchObject([{ action: 'skipped', ref: ref('foreign') }]);
  });

  it('keeps and releases an object annotated prune: disabled', () => {
    const d = decidePrune(
      [stale('c', { 'gitops-agent.io/prune': 'disabled' })],
      inventory(['a', 'b', 'c']),
      2,
      policy,
    );
    expect(d.delete).toEqual([]);
    expect(names(d.release)).toEqual(['c']);
    expect(d.skipped[0]?.message).toMatch(/kept/);
  });

  it('reports but does not delete when pruning is disabled', () => {
    const d = decidePrune([stale('d')], inventory(['a', 'd']), 1, { ...policy, enabled: false });
    expect(d.delete).toEqual([]);
    expect(d.skipped[0]?.message).toMatch(/pruning is disabled/);
  });

  it.each([
    ['an empty commit', 0, ['a', 'b'], policy, /renders no objects; refusing to prune all 2/],
    ['three of four', 1, ['a', 'b', 'c'], policy, /would prune 3 of 4 recorded objects \(75% > 50%\)/],
    ['two of three with a stricter share', 1, ['a', 'b'], { ...policy, maxShare: 0.3 }, /would prune 2 of 3/],
  ])('refuses %s', (_what, desired, gone, p, message) => {
    const all = ['a', 'b', 'c', 'd'].slice(0, desired + gone.length);
    expect(() =>
      decidePrune(
        gone.map((n) => stale(n)),
        inventory(all),
        desired,
        p,
      ),
    ).toThrow(message);
  });

  it.each([
    ['an empty commit when allowed', 0, ['a', 'b'], ['a', 'b'], { ...policy, allowEmpty: true }],
    ['a mass prune when allowed', 1, ['a', 'b', 'c', 'd'], ['a', 'b', 'c'], { ...policy, allowMass: true }],
    ['half of the set', 2, ['a', 'b', 'c', 'd'], ['a', 'b'], policy],
    ['the one object of a one-object set, replaced by another', 1, ['a'], ['a'], policy],
  ])('allows %s', (_what, desired, recorded, gone, p) => {
    expect(
      names(
        decidePrune(
          gone.map((n) => stale(n)),
          inventory(recorded),
          desired,
          p,
        ).delete,
      ),
    ).toEqual(gone);
  });
});
