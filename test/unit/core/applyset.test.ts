import { describe, expect, it } from 'vitest';
import { PART_OF_LABEL, applySetId, withPartOf } from '../../../src/core/applyset.ts';
import { hashJson, stableStringify } from '../../../src/core/ownership.ts';

describe('applySetId', () => {
  // Worked examples from kubectl's applyset.go and its tests.
  it.each([
    [
      { name: 'gitops-prod', namespace: 'gitops-system', kind: 'Secret', group: '' },
      'applyset-IhE_gnwB0KklxyT_QjC_VcguJdx9z-14Sj4dP9k__cY-v1',
    ],
    [
      { name: 'my-set', namespace: 'test', kind: 'Secret', group: '' },
      'applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1',
    ],
    [
      { name: 'my-set', namespace: '', kind: 'ApplySet', group: 'company.com' },
      'applyset-rhp1a-HVAVT_dFgyEygyA1BEB82HPp2o10UiFTpqtAs-v1',
    ],
  ])('%j → %s', (parent, id) => {
    expect(applySetId(parent)).toBe(id);
  });
});

describe('withPartOf', () => {
  it('adds the label without touching the input or other labels', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { app: 'x' } } };
    const out = withPartOf(obj, 'applyset-abc-v1');
    expect(out.metadata.labels).toEqual({ app: 'x', [PART_OF_LABEL]: 'applyset-abc-v1' });
    expect(obj.metadata.labels).toEqual({ app: 'x' });
  });
});

describe('hashJson', () => {
  it('ignores key order and sees every value', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
    expect(hashJson({ a: 1, b: 2 })).toBe(hashJson({ b: 2, a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: 2 }));
  });
});
