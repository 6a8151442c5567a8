import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/core/types.ts';
import { ManifestError } from '../../../src/core/errors.ts';
import { renderCached } from '../../../src/sync/render-cache.ts';
import { DiskRenderCache } from '../../../src/sync/render-disk.ts';

const target = { name: 't', url: 'https://git.example.com/a.git', path: 'deploy', namespace: 'default' };
const manifests: Manifest[] = [
  {
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } },
    source: { file: 'deploy/a.yaml', line: 1, document: 0 },
  },
];
const dirs: string[] = [];
async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'render-disk-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('DiskRenderCache', () => {
  it('hands the last render to the next process for the same key, without rendering', async () => {
    const dir = await cacheDir();
    const first = await renderCached(
      await DiskRenderCache.open(dir, target, '1.0'),
      'key-1',
      async () => manifests,
    );
    expect(first.reused).toBe(false);
    let rendered = 0;
    const again = await renderCached(await DiskRenderCache.open(dir, target, '1.0'), 'key-1', async () => {
      rendered++;
      return [];
    });
    expect(rendered).toBe(0);
    expect(again).toEqual({ manifests, reused: true });
    const [file] = await readdir(join(dir, 'renders'));
    expect((await stat(join(dir, 'renders', file!))).mode & 0o777).toBe(0o600);
  });

  it('renders again for another key, another agent version or another target setting', async () => {
    const dir = await cacheDir();
    await renderCached(await DiskRenderCache.open(dir, target, '1.0'), 'key-1', async () => manifests);
    for (const [t, version, key] of [
      [target, '1.0', 'key-2'],
      [target, '1.1', 'key-1'],
      [{ ...target, namespace: 'other' }, '1.0', 'key-1'],
      [{ ...target, limits: { maxObjects: 5 } }, '1.0', 'key-1'],
    ] as const) {
      const r = await renderCached(await DiskRenderCache.open(dir, t, version), key, async () => []);
      expect(r.reused).toBe(false);
    }
  });

  it('keeps a manifest error in memory only', async () => {
    const dir = await cacheDir();
    const bad = new ManifestError('render', 'bad', { file: 'deploy/a.yaml' });
    const cache = await DiskRenderCache.open(dir, target, '1.0');
    await expect(renderCached(cache, 'key-1', () => Promise.reject(bad))).rejects.toBe(bad);
    await expect(renderCached(cache, 'key-1', async () => manifests)).rejects.toBe(bad);
    const next = await renderCached(
      await DiskRenderCache.open(dir, target, '1.0'),
      'key-1',
      async () => manifests,
    );
    expect(next.reused).toBe(false);
  });
});
