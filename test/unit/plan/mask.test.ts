import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/core/types.ts';
import { unifiedDiff } from '../../../src/plan/diff.ts';

const ref = { group: '', kind: 'Secret', namespace: 'ns', name: 's' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const lastApplied = (data: Record<string, string>): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns' },
    stringData: data,
  });

function secret(annotations: Record<string, string>, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns', annotations }, data };
}

describe('Secret values in diffs', () => {
  const live = secret(
    {
      'kubectl.kubernetes.io/last-applied-configuration': lastApplied({ password: 'old-pass-1234' }),
      'example.com/copy': `the value is old-pass-1234`,
      'example.com/plain': 'team-a',
    },
    { password: b64('old-pass-1234') },
  );

  it('masks the last-applied-configuration annotation and any other copy of a value', () => {
    const desired = secret({ 'example.com/plain': 'team-a' }, { password: b64('new-pass-5678') });
    const d = unifiedDiff(ref, live, desired);
    for (const v of ['old-pass-1234', b64('old-pass-1234'), 'new-pass-5678', b64('new-pass-5678')])
      expect(d).not.toContain(v);
    expect(d).toContain('kubectl.kubernetes.io/last-applied-configuration: "***"');
    expect(d).toContain('example.com/copy: "***"');
    expect(d).toContain('example.com/plain: team-a');
  });

  it('masks them in the diff of a pruned Secret', () => {
    const d = unifiedDiff(ref, live, undefined);
    expect(d).not.toContain('old-pass-1234');
    expect(d).not.toContain(b64('old-pass-1234'));
    expect(d).toContain('-    kubectl.kubernetes.io/last-applied-configuration: "***"');
  });

  it('masks a copy found in a new Secret', () => {
    const created = secret({ note: 'pw=new-pass-5678' }, {});
    created.stringData = { password: 'new-pass-5678' };
    const d = unifiedDiff(ref, undefined, created);
    expect(d).not.toContain('new-pass-5678');
    expect(d).toContain('note: "***"');
  });
});
