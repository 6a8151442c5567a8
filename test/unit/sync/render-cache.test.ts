import { describe, expect, it } from 'vitest';
import { renderKey } from '../../../src/sync/render-cache.ts';
import type { SourceSnapshot } from '../../../src/core/types.ts';

const snapshot: SourceSnapshot = {
  url: 'https://git.example.com/o/r.git',
  ref: 'main',
  commit: 'a'.repeat(40),
  files: [{ path: 'chart/Chart.yaml', content: Buffer.from('name: c\n') }],
  fetched: true,
};
const target = { name: 'shop', path: 'chart', namespace: 'shop', render: { mode: 'helm' as const } };
const cluster = { kubeVersion: 'v1.32.2', apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'] };

describe('renderKey', () => {
  it('changes for a chart when the cluster’s version or API versions change, not with their order', () => {
    const key = renderKey(snapshot, target, cluster);
    const upgraded = renderKey(snapshot, target, { ...cluster, kubeVersion: 'v1.33.0' });
    const crd = renderKey(snapshot, target, { ...cluster, apiVersions: [...cluster.apiVersions, 'x.io/v1'] });
    console.log('keys:', key, upgraded, crd);
    expect(new Set([key, upgraded, crd]).size).toBe(3);
    expect(renderKey(snapshot, target, { ...cluster, apiVersions: [...cluster.apiVersions].reverse() })).toBe(
      key,
    );
    expect(renderKey(snapshot, target)).not.toBe(key);
  });
});
