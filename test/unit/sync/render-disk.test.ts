import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest, SourceSnapshot, SyncTarget } from '../../../src/core/types.ts';
import { ManifestError } from '../../../src/core/errors.ts';
import { renderCached } from '../../../src/sync/render-cache.ts';
import { DiskRenderCache } from '../../../src/sync/render-disk.ts';
import type { ClusterInfo } from '../../../src/render/helm.ts';

const target: SyncTarget = {
  name: 't',
  url: 'https://git.example.com/a.git',
  ref: 'main',
  path: 'deploy',
  namespace: 'default',
  inventoryNamespace: 'default',
  prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
  force: true,
  healthTimeoutSeconds: 0,
};
const manifests: Manifest[] = [
  {
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } },
    source: { file: 'deploy/a.yaml', line: 1, document: 0 },
  },
];
const snapshot = (commit: string, content = 'a'): SourceSnapshot => ({
  url: target.url,
  ref: 'main',
  commit,
  fetched: false,
  files: [{ path: 'deploy/a.yaml', content: Buffer.from(content) }],
});
const unread = (commit: string): SourceSnapshot => ({ ...snapshot(commit), files: [], unread: true });

const dirs: string[] = [];
async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'render-disk-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** One sync's render through a freshly opened cache, as a new process would; counts the renders done. */
async function renderOnce(
  dir: string,
  snap: SourceSnapshot,
  t = target,
  version = '1.0',
  cluster?: ClusterInfo,
) {
  const cache = await DiskRenderCache.open(dir, t, version);
  let rendered = 0;
  const r = await renderCached(cache, cache.keyOf(snap, t, cluster), async () => {
    rendered++;
    return { manifests };
  });
  return { ...r, rendered };
}

const noCluster = (): Promise<ClusterInfo> => Promise.reject(new Error('asked for the cluster'));

describe('DiskRenderCache', () => {
  it('hands the last render and its commit to the next process, which renders nothing', async () => {
    const dir = await cacheDir();
    expect((await renderOnce(dir, snapshot('c1'))).rendered).toBe(1);
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    // Not a chart: the cluster is not even asked.
    expect(await cache.knownFor(noCluster)).toBe('c1');
    const again = await renderOnce(dir, unread('c1'));
    expect(again).toMatchObject({ manifests, reused: true, rendered: 0 });
    // Another commit with the same files is read, and its render reused all the same.
    expect(await renderOnce(dir, snapshot('c2'))).toMatchObject({ reused: true, rendered: 0 });
    const [file] = await readdir(join(dir, 'renders'));
    expect((await stat(join(dir, 'renders', file!))).mode & 0o777).toBe(0o600);
  });

  it('renders again for other files, another agent version or any other target setting', async () => {
    const dir = await cacheDir();
    await renderOnce(dir, snapshot('c1'));
    expect((await renderOnce(dir, snapshot('c2', 'changed'))).rendered).toBe(1);
    expect((await renderOnce(dir, snapshot('c1'), target, '1.1')).rendered).toBe(1);
    expect((await renderOnce(dir, snapshot('c1'), { ...target, namespace: 'other' })).rendered).toBe(1);
    expect((await renderOnce(dir, snapshot('c1'), { ...target, limits: { maxObjects: 5 } })).rendered).toBe(
      1,
    );
  });

  it('refuses files left unread at a commit it has no render of, rather than render nothing', async () => {
    const dir = await cacheDir();
    await renderOnce(dir, snapshot('c1'));
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    expect(() => cache.keyOf(unread('c2'), target)).toThrow(
      /commit c2 was not read and has no stored render/,
    );
  });

  it('keeps a manifest error in memory only', async () => {
    const dir = await cacheDir();
    const bad = new ManifestError('render', 'bad', { file: 'deploy/a.yaml' });
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    const key = cache.keyOf(snapshot('c1'), target);
    await expect(renderCached(cache, key, () => Promise.reject(bad))).rejects.toBe(bad);
    await expect(renderCached(cache, key, async () => ({ manifests }))).rejects.toBe(bad);
    expect((await renderOnce(dir, snapshot('c1'))).rendered).toBe(1);
  });
  const v132: ClusterInfo = { kubeVersion: 'v1.32.2', apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'] };
  it.each<[string, ClusterInfo, boolean]>([
    [
      'the same cluster, its API versions in another order',
      { ...v132, apiVersions: [...v132.apiVersions].reverse() },
      true,
    ],
    ['an upgraded cluster', { ...v132, kubeVersion: 'v1.33.0' }, false],
    [
      'a new CRD',
      { ...v132, apiVersions: [...v132.apiVersions, 'example.com/v1', 'example.com/v1/Widget'] },
      false,
    ],
  ])('leaves a chart’s files unread on %s: %s', async (_name, now, unreadAgain) => {
    const dir = await cacheDir();
    await renderOnce(dir, snapshot('c1'), target, '1.0', v132);
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    expect(await cache.knownFor(async () => now)).toBe(unreadAgain ? 'c1' : undefined);
    // The files are read again, and the chart is rendered for the cluster it now runs on.
    if (!unreadAgain) expect((await renderOnce(dir, snapshot('c1'), target, '1.0', now)).rendered).toBe(1);
    else expect((await renderOnce(dir, unread('c1'), target, '1.0', now)).rendered).toBe(0);
  });

  it('keeps the cluster of a reused chart render, so the next process still checks it', async () => {
    const dir = await cacheDir();
    await renderOnce(dir, snapshot('c1'), target, '1.0', v132);
    await renderOnce(dir, unread('c1'), target, '1.0', v132);
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    expect(await cache.knownFor(async () => ({ ...v132, kubeVersion: 'v1.33.0' }))).toBeUndefined();
  });
  it('refuses to reuse a chart render for unread files when the cluster changed after the source stage looked', async () => {
    const dir = await cacheDir();
    await renderOnce(dir, snapshot('c1'), target, '1.0', v132);
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    expect(await cache.knownFor(async () => v132)).toBe('c1');
    const upgraded = { ...v132, kubeVersion: 'v1.33.0' };
    expect(() => cache.keyOf(unread('c1'), target, upgraded)).toThrow(/the cluster changed during the sync/);
    expect(cache.keyOf(unread('c1'), target, v132)).toBeTypeOf('string');
  });
});
