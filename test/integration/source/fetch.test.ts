// fetchSource against a real Git server: clone once, skip unchanged refs, fetch incrementally, follow tags,
// SHAs and force-pushes.
import { randomBytes } from 'node:crypto';
import { readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/core/errors.ts';
import { repoDir } from '../../../src/source/cache.ts';
import { fetchSource, type SourceOptions } from '../../../src/source/source.ts';
import { requestsSince, textFiles, useSourceEnv } from '../../support/git-fixtures.ts';

describe('fetchSource', () => {
  const env = useSourceEnv('deploy');
  const options = (url: string, ref: string, path = 'deploy'): SourceOptions => ({
    url,
    ref,
    path,
    cacheDir: env.cacheDir,
  });

  it('clones on the first call, then skips the fetch while the branch is unchanged', async () => {
    const repo = await env.server.createRepo('unchanged');
    const sha = await repo.commit({ 'deploy/a.yaml': 'a: 1\n', 'README.md': '# app\n' }, 'first');

    const first = await fetchSource(options(repo.url, 'main'));
    expect(first).toMatchObject({ url: repo.url, ref: 'main', commit: sha, fetched: true });
    expect(textFiles(first)).toEqual({ 'deploy/a.yaml': 'a: 1\n' });

    const before = env.server.requests.length;
    const second = await fetchSource(options(repo.url, 'main'));
    expect(second).toMatchObject({ commit: sha, fetched: false });
    expect(textFiles(second)).toEqual({ 'deploy/a.yaml': 'a: 1\n' });
    expect(requestsSince(env.server, before)).toMatchObject({ refListings: 1, uploadPacks: 0 });
  });

  it('fetches a new commit incrementally and reads the files at the new SHA', async () => {
    const repo = await env.server.createRepo('incremental');
    const noise = { 'assets/noise.bin': randomBytes(256 << 10) };
    await repo.commit({ 'deploy/a.yaml': 'a: 1\n', 'deploy/b.yaml': 'b: 1\n', ...noise }, 'first');
    const cloneStart = env.server.requests.length;
    await fetchSource(options(repo.url, 'main'));
    expect(requestsSince(env.server, cloneStart).uploadPackBytes).toBeGreaterThan(256 << 10);

    const sha = await repo.commit(
      { 'deploy/a.yaml': 'a: 2\n', 'deploy/b.yaml': null, 'deploy/c/d.yml': 'd\n' },
      'next',
    );
    const before = env.server.requests.length;
    const next = await fetchSource(options(repo.url, 'main'));
    expect(next).toMatchObject({ commit: sha, fetched: true });
    expect(textFiles(next)).toEqual({ 'deploy/a.yaml': 'a: 2\n', 'deploy/c/d.yml': 'd\n' });
    const fetched = requestsSince(env.server, before);
    expect(fetched.uploadPacks).toBe(1);
    // Only the new commit's objects travel, not the 256 KiB blob again.
    expect(fetched.uploadPackBytes).toBeLessThan(8 << 10);
  });

  it('resolves lightweight and annotated tags to their commit', async () => {
    const repo = await env.server.createRepo('tags');
    const v1 = await repo.commit({ 'deploy/a.yaml': 'v1\n' }, 'v1');
    await repo.tag('v1', v1);
    const v2 = await repo.commit({ 'deploy/a.yaml': 'v2\n' }, 'v2');
    await repo.tag('v2', v2, { annotated: true });
    await repo.commit({ 'deploy/a.yaml': 'v3\n' }, 'v3');

    const light = await fetchSource(options(repo.url, 'v1'));
    expect(light).toMatchObject({ commit: v1, fetched: true });
    expect(textFiles(light)).toEqual({ 'deploy/a.yaml': 'v1\n' });
    const annotated = await fetchSource(options(repo.url, 'refs/tags/v2'));
    expect(annotated).toMatchObject({ commit: v2, fetched: true });
    expect(textFiles(annotated)).toEqual({ 'deploy/a.yaml': 'v2\n' });
    expect(await fetchSource(options(repo.url, 'v2'))).toMatchObject({ commit: v2, fetched: false });
  });

  it('reads a full commit SHA, fetching all branches and tags only when it is missing', async () => {
    const repo = await env.server.createRepo('sha');
    const old = await repo.commit({ 'deploy/a.yaml': 'old\n' }, 'old');
    await repo.commit({ 'deploy/a.yaml': 'new\n' }, 'new');
    await repo.branch('release', old);
    await repo.forcePush(old);
    const side = await repo.commit({ 'deploy/a.yaml': 'side\n' }, 'side');
    await repo.branch('feature', side);
    await repo.forcePush(old);

    const bySha = await fetchSource(options(repo.url, side.toUpperCase()));
    expect(bySha).toMatchObject({ commit: side, fetched: true });
    expect(textFiles(bySha)).toEqual({ 'deploy/a.yaml': 'side\n' });

    const before = env.server.requests.length;
    expect(await fetchSource(options(repo.url, side))).toMatchObject({ commit: side, fetched: false });
    expect(requestsSince(env.server, before)).toMatchObject({ refListings: 0, uploadPacks: 0 });
  });

  it('fails retryably, after fetching, for a SHA the remote does not have', async () => {
    const repo = await env.server.createRepo('missing-sha');
    await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');
    const missing = 'f'.repeat(40);
    const err = await fetchSource(options(repo.url, missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ stage: 'source', retryable: true });
    expect((err as Error).message).toBe(
      `commit ${missing} not found in ${repo.url} (fetched all branches and tags)`,
    );
  });

  it('refuses abbreviated SHAs and ambiguous names; an unknown ref is retryable', async () => {
    const repo = await env.server.createRepo('bad-refs');
    const sha = await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');

    const short = await fetchSource(options(repo.url, sha.slice(0, 7))).catch((e: unknown) => e);
    expect(short).toMatchObject({ retryable: false });
    expect((short as Error).message).toContain('abbreviated commit SHA');

    const unknown = await fetchSource(options(repo.url, 'no-such-branch')).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(AgentError);
    expect(unknown).toMatchObject({ retryable: true });
    expect((unknown as Error).message).toBe(
      `ref "no-such-branch" not found in ${repo.url} (no branch or tag of that name)`,
    );

    await repo.branch('release');
    await repo.tag('release');
    const ambiguous = await fetchSource(options(repo.url, 'release')).catch((e: unknown) => e);
    expect((ambiguous as Error).message).toBe(
      `ref "release" is both a branch and a tag in ${repo.url}; use refs/heads/release or refs/tags/release`,
    );
    expect(await fetchSource(options(repo.url, 'refs/heads/release'))).toMatchObject({ commit: sha });
  });

  it('follows a force-push, both back to a known commit and onto a rewritten one', async () => {
    const repo = await env.server.createRepo('force');
    const base = await repo.commit({ 'deploy/a.yaml': 'base\n' }, 'base');
    const bad = await repo.commit({ 'deploy/a.yaml': 'bad\n' }, 'bad');
    expect(await fetchSource(options(repo.url, 'main'))).toMatchObject({ commit: bad });

    await repo.forcePush(base);
    const back = await fetchSource(options(repo.url, 'main'));
    expect(back).toMatchObject({ commit: base, fetched: false });
    expect(textFiles(back)).toEqual({ 'deploy/a.yaml': 'base\n' });

    const rewritten = await repo.commit({ 'deploy/a.yaml': 'rewritten\n' }, 'rewritten');
    const after = await fetchSource(options(repo.url, 'main'));
    expect(after).toMatchObject({ commit: rewritten, fetched: true });
    expect(textFiles(after)).toEqual({ 'deploy/a.yaml': 'rewritten\n' });
  });

  it('reads an old commit with that commit’s files, and a revert with the reverted content', async () => {
    const repo = await env.server.createRepo('history');
    const one = await repo.commit({ 'deploy/a.yaml': 'one\n' }, 'one');
    const two = await repo.commit({ 'deploy/a.yaml': 'two\n', 'deploy/b.yaml': 'b\n' }, 'two');
    const reverted = await repo.revert(two);
    await fetchSource(options(repo.url, 'main'));

    const atOne = await fetchSource(options(repo.url, one));
    expect(atOne).toMatchObject({ commit: one, fetched: false });
    expect(textFiles(atOne)).toEqual({ 'deploy/a.yaml': 'one\n' });
    expect(textFiles(await fetchSource(options(repo.url, two)))).toEqual({
      'deploy/a.yaml': 'two\n',
      'deploy/b.yaml': 'b\n',
    });
    const head = await fetchSource(options(repo.url, 'main'));
    expect(head).toMatchObject({ commit: reverted, fetched: false });
    expect(textFiles(head)).toEqual({ 'deploy/a.yaml': 'one\n' });
  });

  it('serialises concurrent calls on one repository and reads the repository root', async () => {
    const repo = await env.server.createRepo('concurrent');
    const sha = await repo.commit({ 'a.json': '{}', 'x/b.yaml': 'b\n', 'x/notes.txt': 'skip\n' }, 'first');
    const results = await Promise.all([1, 2, 3].map(() => fetchSource(options(repo.url, 'main', '.'))));
    expect(results.map((r) => r.commit)).toEqual([sha, sha, sha]);
    expect(results.map((r) => r.fetched).sort()).toEqual([false, false, true]);
    expect(textFiles(results[0]!)).toEqual({ 'a.json': '{}', 'x/b.yaml': 'b\n' });
  });

  it('drops a damaged cache entry so that the next call clones anew', async () => {
    const repo = await env.server.createRepo('damaged');
    const sha = await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');
    await fetchSource(options(repo.url, 'main'));
    const packs = join(repoDir(env.cacheDir, repo.url), 'objects', 'pack');
    for (const name of await readdir(packs)) await truncate(join(packs, name), 10);

    const err = await fetchSource(options(repo.url, 'main')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toMatch(new RegExp(`^fetching ${repo.url} failed: `));
    expect(await fetchSource(options(repo.url, 'main'))).toMatchObject({ commit: sha, fetched: true });
  });
});
