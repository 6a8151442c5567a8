// The source stage across targets and failures: a remote HEAD that points nowhere, a clone killed half-way,
// two targets on two branches of one repository, a token file that changes, and a fetch that is aborted.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/core/errors.ts';
import { fetchSource, gitAuthReader } from '../../../src/source/source.ts';
import { eventually } from '../../support/cluster.ts';
import { git } from '../../support/git-cli.ts';
import { requestsSince, tempCacheDir, textFiles, useSourceEnv } from '../../support/git-fixtures.ts';
import { startGitServer } from '../../support/git-server.ts';

const SOURCE_TS = join(import.meta.dirname, '../../../src/source/source.ts');

/** A scratch native-git clone of `url`, for pushes the Repo helper has no verb for. */
async function scratchClone(url: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-scratch-'));
  await git(dir, ['clone', '--quiet', url, '.']);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

describe('fetchSource and the remote HEAD', () => {
  const env = useSourceEnv('deploy');

  it('fetches a named branch, and a commit SHA, when the remote HEAD names a branch that does not exist', async () => {
    // The bare repository's HEAD is refs/heads/main; only "release" is ever pushed, as when the default branch
    // was deleted on the server or the repository was created with another default than the one pushed.
    const repo = await env.server.createRepo('dangling-head');
    const dir = await mkdtemp(join(tmpdir(), 'gitops-scratch-'));
    let sha: string;
    try {
      await git(dir, ['init', '--quiet', '--initial-branch=release']);
      await mkdir(join(dir, 'deploy'));
      await writeFile(join(dir, 'deploy/a.yaml'), 'a: 1\n');
      await git(dir, ['add', '.']);
      await git(dir, ['commit', '--quiet', '-m', 'first']);
      sha = await git(dir, ['rev-parse', 'HEAD']);
      await git(dir, ['push', '--quiet', repo.url, 'HEAD:refs/heads/release']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const branch = await fetchSource(env.options(repo.url, { ref: 'release' }));
    expect(branch).toMatchObject({ commit: sha, fetched: true });
    expect(textFiles(branch)).toEqual({ 'deploy/a.yaml': 'a: 1\n' });

    const fresh = await tempCacheDir();
    try {
      const bySha = await fetchSource(env.options(repo.url, { ref: sha, cacheDir: fresh.dir }));
      expect(bySha).toMatchObject({ commit: sha, fetched: true });
    } finally {
      await fresh.remove();
    }
  });
});

describe('fetchSource after a clone was killed', () => {
  const env = useSourceEnv('deploy');
  let stalling: Server;
  let stallingUrl: string;
  beforeAll(async () => {
    stalling = createServer(() => undefined);
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/stuck.git`;
  });
  afterAll(async () => {
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  it('removes the half-made clone a SIGKILL left in the cache', async () => {
    const cache = await tempCacheDir();
    try {
      const script = `import { fetchSource } from ${JSON.stringify(SOURCE_TS)};
await fetchSource({ url: ${JSON.stringify(stallingUrl)}, ref: 'main', path: '.', cacheDir: ${JSON.stringify(cache.dir)}, timeoutMs: 60000 });`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      await eventually('a clone in progress', async () =>
        (await readdir(cache.dir)).some((e) => e.includes('.tmp-')),
      );
      child.kill('SIGKILL');
      await exited;
      expect((await readdir(cache.dir)).filter((e) => e.includes('.tmp-'))).toHaveLength(1);

      const repo = await env.server.createRepo('after-kill');
      await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');
      await fetchSource(env.options(repo.url, { cacheDir: cache.dir }));
      expect((await readdir(cache.dir)).filter((e) => e.includes('.tmp-'))).toEqual([]);
    } finally {
      await cache.remove();
    }
  });
});

describe('fetchSource for two targets on two branches of one repository', () => {
  const env = useSourceEnv('deploy');

  it('keeps each target’s fetch incremental', async () => {
    const repo = await env.server.createRepo('two-targets');
    await repo.commit({ 'deploy/a.yaml': 'a: 1\n', 'assets/noise.bin': randomBytes(256 << 10) }, 'main');
    // An unrelated history on another branch: what one target has says nothing about the other's.
    const scratch = await scratchClone(repo.url);
    try {
      await git(scratch.dir, ['checkout', '--quiet', '--orphan', 'other']);
      await git(scratch.dir, ['rm', '--quiet', '-r', '-f', '.']);
      await writeFile(join(scratch.dir, 'b.yaml'), 'b: 1\n');
      await git(scratch.dir, ['add', 'b.yaml']);
      await git(scratch.dir, ['commit', '--quiet', '-m', 'other']);
      await git(scratch.dir, ['push', '--quiet', 'origin', 'other']);
    } finally {
      await scratch.remove();
    }
    const a = { target: 'a' };
    const b = { target: 'b', ref: 'other', path: '.' };
    await fetchSource(env.options(repo.url, a));
    await fetchSource(env.options(repo.url, b));
    await repo.commit({ 'deploy/a.yaml': 'a: 2\n' }, 'next');

    const before = env.server.requests.length;
    const next = await fetchSource(env.options(repo.url, a));
    expect(textFiles(next)).toEqual({ 'deploy/a.yaml': 'a: 2\n' });
    const fetched = requestsSince(env.server, before);
    expect(fetched.uploadPacks).toBe(1);
    // Only the new commit travels, not the 256 KiB blob of main's first commit again.
    expect(fetched.uploadPackBytes).toBeLessThan(8 << 10);
  });
});

describe('fetchSource with a token file that changes', () => {
  it('reads the new token on the next fetch', async () => {
    const server = await startGitServer({ auth: { username: 'x-access-token', password: 'right-T0KEN-2' } });
    const cache = await tempCacheDir();
    const dir = await mkdtemp(join(tmpdir(), 'gitops-token-'));
    try {
      const repo = await server.createRepo('rotating');
      await repo.commit({ 'deploy/a.yaml': 'a\n' }, 'first');
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, 'old-T0KEN\n');
      const auth = gitAuthReader({ tokenFile, username: 'x-access-token' });
      const options = { url: repo.url, ref: 'main', path: 'deploy', cacheDir: cache.dir, auth };
      const refused = await fetchSource(options).catch((e: unknown) => e);
      expect((refused as Error).message).toMatch(/^authentication to .* failed \(HTTP 401/);
      await writeFile(tokenFile, 'right-T0KEN-2\n');
      expect(textFiles(await fetchSource(options))).toEqual({ 'deploy/a.yaml': 'a\n' });
    } finally {
      await server.close();
      await cache.remove();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fetchSource with an AbortSignal', () => {
  const env = useSourceEnv('.');
  let stalling: Server;
  let stallingUrl: string;
  beforeAll(async () => {
    stalling = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' });
      res.write('001e# service=git-upload-pack\n');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/stuck.git`;
  });
  afterAll(async () => {
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  it('stops a fetch in flight with a clear error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const err = await env.failure(env.options(stallingUrl, { signal: controller.signal, timeoutMs: 60_000 }));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ stage: 'source', retryable: true });
    expect((err as Error).message).toBe(`fetching ${stallingUrl} was aborted`);
  });

  it('does not start when the signal is already aborted', async () => {
    const repo = await env.server.createRepo('pre-aborted');
    await repo.commit({ 'a.yaml': 'a\n' }, 'first');
    const since = env.server.requests.length;
    const err = await env.failure(env.options(repo.url, { signal: AbortSignal.abort() }));
    expect((err as Error).message).toBe(`fetching ${repo.url} was aborted`);
    expect(env.server.requests.length).toBe(since);
  });
});
