import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeForDiff } from '../../../src/plan/normalize.ts';
import { sameObject, unifiedDiff } from '../../../src/plan/diff.ts';
import type { KubeObject } from '../../../src/core/types.ts';

const obj = (yaml: string) => parse(yaml) as KubeObject;
const live = obj(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
  uid: 0b5c
  resourceVersion: "812"
  generation: 4
  creationTimestamp: "2026-11-23T10:00:00Z"
  managedFields: [{ manager: gitops-agent, operation: Apply }]
  labels: { app: web }
spec: { replicas: 2, strategy: { type: RollingUpdate } }
status: { replicas: 2, availableReplicas: 2 }
`);

describe('normalizeForDiff', () => {
  it('drops server bookkeeping and status, keeps everything a user can set', () => {
    expect(normalizeForDiff(live)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
      spec: { replicas: 2, strategy: { type: 'RollingUpdate' } },
    });
  });
});

describe('sameObject', () => {
  it.each([
    [
      'only bookkeeping and status differ',
      { metadata: { ...live.metadata, resourceVersion: '900', generation: 5 }, status: {} },
      true,
    ],
    ['a spec field differs', { spec: { replicas: 3, strategy: { type: 'RollingUpdate' } } }, false],
    ['a label is added', { metadata: { ...live.metadata, labels: { app: 'web', tier: 'x' } } }, false],
    ['an annotation is added', { metadata: { ...live.metadata, annotations: { a: 'b' } } }, false],
  ])('%s → %s', (_what, change, same) => {
    expect(sameObject(live, { ...live, ...change } as KubeObject)).toBe(same);
  });
});

describe('unifiedDiff', () => {
  it('shows exactly the changed line, with live on the minus side', () => {
    const desired = { ...live, spec: { replicas: 3, strategy: { type: 'RollingUpdate' } } };
    const d = unifiedDiff({ group: 'apps', kind: 'Deployment', namespace: 'ns', name: 'web' }, live, desired);
    expect(d.split('\n').slice(0, 2)).toEqual([
      '--- live/Deployment.apps/ns/web',
      '+++ git/Deployment.apps/ns/web',
    ]);
    expect(d.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-  replicas: 2', '+  replicas: 3']);
  });

  it('shows a whole new object as added', () => {
    const d = unifiedDiff(
      { group: '', kind: 'ConfigMap', namespace: 'ns', name: 'c' },
      undefined,
      obj('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: b }\n'),
    );
    expect(d).toContain('+data:\n+  a: b');
    expect(d.split('\n').some((l) => /^-[^-]/.test(l))).toBe(false);
  });

  it('shows a pruned object as removed, Secret values masked', () => {
    const secret = obj('apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { key: c2VjcmV0 }\n');
    const d = unifiedDiff({ group: '', kind: 'Secret', namespace: 'ns', name: 's' }, secret, undefined);
    expect(d).toContain('-kind: Secret');
    expect(d).toContain('-  key: "***"');
    expect(d).not.toContain('c2VjcmV0');
    expect(d.split('\n').some((l) => /^\+[^+]/.test(l))).toBe(false);
  });

  it('masks Secret values on both sides, marking only the changed keys', () => {
    const before = obj(
      'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { same: c2VjcmV0, changed: b2xk, gone: eA== }\n',
    );
    const after = obj(
      'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { same: c2VjcmV0, changed: bmV3, added: eQ== }\n',
    );
    const d = unifiedDiff({ group: '', kind: 'Secret', namespace: 'ns', name: 's' }, before, after);
    for (const secret of ['c2VjcmV0', 'b2xk', 'bmV3', 'eA==', 'eQ==']) expect(d).not.toContain(secret);
    expect(d).toContain('-  changed: "*** (before)"');
    expect(d).toContain('+  changed: "*** (after)"');
    expect(d).toContain('   same: "***"');
    expect(d).toContain('+  added: "***"');
    expect(d).toContain('-  gone: "***"');
  });

  it('masks stringData of a new Secret', () => {
    const d = unifiedDiff(
      { group: '', kind: 'Secret', namespace: 'ns', name: 's' },
      undefined,
      obj('apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData: { password: hunter2 }\n'),
    );
    expect(d).not.toContain('hunter2');
    expect(d).toContain('+  password: "***"');
  });
});
