// Memory is bounded by the limits, not by what the repository holds: a large blob outside the target's path,
// or a manifest over the size limit, never gets into the agent's memory. Peak RSS is measured in a child
// process (its VmHWM), with a bound the old fetch (pack collected in memory, every object inflated while
// indexing, the whole pack loaded again to read) exceeded several times over.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SourceOptions } from '../../../src/source/source.ts';
import type { FetchChildOutput } from '../../support/fetch-child.ts';
import { useSourceEnv } from '../../support/git-fixtures.ts';

const BLOB_BYTES = 100 << 20;
// A child with the source stage loaded peaks near 100 MiB on a tiny repository; holding the 100 MB blob even
// once would pass 200 MiB, and the old fetch held the pack and the inflated blob together (> 300 MiB).
const PEAK_RSS_BOUND_MIB = 170;

async function fetchInChild(options: SourceOptions): Promise<FetchChildOutput> {
  const child = new URL('../../support/fetch-child.ts', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [child, JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as FetchChildOutput;
}

describe('fetchSource memory', () => {
  const env = useSourceEnv('deploy');

  it('syncs a repository holding a 100 MB blob outside the path with bounded peak RSS', async () => {
    const repo = await env.server.createRepo('large-blob');
    await repo.commit(
      {
        'deploy/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n',
        'assets/video.bin': randomBytes(BLOB_BYTES),
      },
      'a large asset next to the manifests',
    );
    const first = await fetchInChild(env.options(repo.url));
    expect(first.error).toBeUndefined();
    expect(first.files).toEqual(['deploy/app.yaml']);
    expect(first.peakRssMiB).toBeLessThan(PEAK_RSS_BOUND_MIB);
    // A second sync reads from the cache that now holds the 100 MB pack.
    const again = await fetchInChild(env.options(repo.url));
    expect(again.files).toEqual(['deploy/app.yaml']);
    expect(again.peakRssMiB).toBeLessThan(PEAK_RSS_BOUND_MIB);
  }, 180_000);

  it('refuses a manifest over maxFileBytes from its header, without reading it into memory', async () => {
    const repo = await env.server.createRepo('large-manifest');
    await repo.commit({ 'deploy/huge.yaml': randomBytes(BLOB_BYTES) }, 'an oversized manifest');
    const out = await fetchInChild(env.options(repo.url));
    expect(out.error).toBe(`deploy/huge.yaml: is ${BLOB_BYTES} bytes, over the limit of ${8 << 20} bytes`);
    expect(out.peakRssMiB).toBeLessThan(PEAK_RSS_BOUND_MIB);
  }, 180_000);

  it('stops a fetch whose pack passes maxFetchBytes', async () => {
    const repo = await env.server.createRepo('over-fetch-limit');
    await repo.commit({ 'deploy/a.yaml': 'a: 1\n', 'blob.bin': randomBytes(4 << 20) }, 'four MiB');
    const out = await fetchInChild(env.options(repo.url, { maxFetchBytes: 1 << 20 }));
    expect(out.error).toMatch(
      /^the pack http:\/\/\S+ sends is over the limit of 1048576 bytes \(limit maxFetchBytes\)$/,
    );
  }, 60_000);
});
