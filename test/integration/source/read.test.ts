// What fetchSource refuses to read from a commit: symlinks, submodules, too big or too many files, bad paths.
import { describe, expect, it } from 'vitest';
import { AgentError, ManifestError } from '../../../src/core/errors.ts';
import { fetchSource } from '../../../src/source/source.ts';
import { textFiles, useSourceEnv } from '../../support/git-fixtures.ts';

describe('fetchSource reading a commit', () => {
  const env = useSourceEnv('deploy');
  const { options, failure } = env;

  it('refuses a symlink, naming its path', async () => {
    const repo = await env.server.createRepo('symlink');
    await repo.commit(
      { 'deploy/a.yaml': 'a\n', 'deploy/sub/token.yaml': { symlink: '/var/run/secrets/token' } },
      'link',
    );
    const err = await failure(options(repo.url));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err).toMatchObject({ stage: 'source', retryable: false, file: 'deploy/sub/token.yaml' });
    expect((err as Error).message).toBe(
      'deploy/sub/token.yaml: is a symbolic link; symlinks are not followed, commit the file',
    );
  });

  it('refuses a submodule, naming its path', async () => {
    const repo = await env.server.createRepo('submodule');
    const gitlink = 'a'.repeat(40);
    await repo.commit({ 'deploy/a.yaml': 'a\n', 'deploy/vendor': { gitlink } }, 'submodule');
    const err = await failure(options(repo.url));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err).toMatchObject({ retryable: false, file: 'deploy/vendor' });
    expect((err as Error).message).toBe(
      `deploy/vendor: is a submodule (commit ${gitlink}); submodules are not supported`,
    );
  });

  it('skips a symlink or submodule outside the path when reading the whole repository, and refuses one under it', async () => {
    const repo = await env.server.createRepo('special-outside');
    const gitlink = 'b'.repeat(40);
    await repo.commit(
      {
        'deploy/kustomization.yaml': 'resources: []\n',
        'other/link': { symlink: '/etc/passwd' },
        vendor: { gitlink },
      },
      'unrelated specials',
    );
    const snapshot = await fetchSource({ ...options(repo.url), wholeRepository: true });
    console.log(
      'whole-repository read with specials outside the path:',
      snapshot.files.map((f) => f.path),
    );
    expect(snapshot.files.map((f) => f.path)).toEqual(['deploy/kustomization.yaml']);
    await repo.commit({ 'deploy/link.yaml': { symlink: '../other/x' } }, 'a link under the path');
    const err = await failure({ ...options(repo.url), wholeRepository: true });
    expect((err as Error).message).toBe(
      'deploy/link.yaml: is a symbolic link; symlinks are not followed, commit the file',
    );
  });

  it('refuses a file over maxFileBytes, naming path and size', async () => {
    const repo = await env.server.createRepo('oversized');
    await repo.commit({ 'deploy/big.yaml': 'x'.repeat(2048), 'deploy/notes.txt': 'y'.repeat(4096) }, 'big');
    const err = await failure(options(repo.url, { maxFileBytes: 1024 }));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err).toMatchObject({ retryable: false, file: 'deploy/big.yaml' });
    expect((err as Error).message).toBe('deploy/big.yaml: is 2048 bytes, over the limit of 1024 bytes');
  });

  it('caps the total size and the number of manifest files, ignoring other files', async () => {
    const repo = await env.server.createRepo('caps');
    await repo.commit(
      { 'deploy/a.yaml': 'a'.repeat(600), 'deploy/b.json': 'b'.repeat(600), 'deploy/c.md': 'c'.repeat(5000) },
      'caps',
    );
    const total = await failure(options(repo.url, { maxTotalBytes: 1000 }));
    expect(total).toBeInstanceOf(ManifestError);
    expect((total as Error).message).toBe('deploy: manifests under this path exceed 1000 bytes in total');
    const count = await failure(options(repo.url, { maxFiles: 1 }));
    expect(count).toBeInstanceOf(ManifestError);
    expect((count as Error).message).toBe('deploy: more than 1 manifest files under this path');
    const ok = await fetchSource(options(repo.url, { maxFiles: 2, maxTotalBytes: 1200 }));
    expect(Object.keys(textFiles(ok))).toEqual(['deploy/a.yaml', 'deploy/b.json']);
  });

  it('reports a missing path with the path and the commit', async () => {
    const repo = await env.server.createRepo('missing-path');
    const sha = await repo.commit({ 'deploy/a.yaml': 'a\n', 'other.yaml': 'o\n' }, 'first');
    const missing = await failure(options(repo.url, { path: './apps/prod/' }));
    expect(missing).toBeInstanceOf(ManifestError);
    expect(missing).toMatchObject({ retryable: false, file: 'apps/prod' });
    expect((missing as Error).message).toBe(`apps/prod: directory not found at commit ${sha}`);
    const file = await failure(options(repo.url, { path: 'other.yaml' }));
    expect((file as Error).message).toBe(`other.yaml: is not a directory at commit ${sha}`);
  });

  it('refuses a path that climbs out of the repository, before any network request', async () => {
    const repo = await env.server.createRepo('escape');
    await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');
    const before = env.server.requests.length;
    for (const path of ['../etc', 'deploy/../../x', '/etc']) {
      const err = await failure(options(repo.url, { path }));
      expect(err).toBeInstanceOf(AgentError);
      expect(err).toMatchObject({ retryable: false });
      expect((err as Error).message).toBe(`path "${path}" must be relative and stay inside the repository`);
    }
    expect(env.server.requests.length).toBe(before);
  });

  it('returns bytes exactly as committed, including non-UTF-8 content', async () => {
    const repo = await env.server.createRepo('bytes');
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0x0a]);
    await repo.commit({ 'deploy/raw.json': bytes, 'deploy/UPPER.YAML': 'u\n' }, 'bytes');
    const snapshot = await fetchSource(options(repo.url));
    expect(snapshot.files.map((f) => f.path)).toEqual(['deploy/UPPER.YAML', 'deploy/raw.json']);
    expect(Array.from(snapshot.files[1]!.content)).toEqual(Array.from(bytes));
  });
});
