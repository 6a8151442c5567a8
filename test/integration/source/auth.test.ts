// HTTP basic/token auth against a Git server that demands it, and proof that secrets never reach a message.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/core/errors.ts';
import { fetchSource, loadGitAuth, type SourceOptions } from '../../../src/source/source.ts';
import { tempCacheDir, textFiles } from '../../support/git-fixtures.ts';
import { startGitServer, type GitServer, type Repo } from '../../support/git-server.ts';

const TOKEN = 'ghs_s3cr3tT0kenValue';
const WRONG = 'ghs_wr0ngT0kenValue';

describe('fetchSource with auth', () => {
  let server: GitServer;
  let repo: Repo;
  let sha: string;
  let cache: Awaited<ReturnType<typeof tempCacheDir>>;
  let secretsDir: string;
  const options = (extra: Partial<SourceOptions> = {}): SourceOptions => ({
    url: repo.url,
    ref: 'main',
    path: 'deploy',
    cacheDir: cache.dir,
    ...extra,
  });
  const expectNoSecret = (err: unknown, secrets: string[]): void => {
    const text = `${String(err)}\n${inspect(err, { depth: 5 })}\n${JSON.stringify(err)}`;
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(`x-access-token:${secret}`).toString('base64'));
    }
  };

  beforeAll(async () => {
    server = await startGitServer({ auth: { username: 'x-access-token', password: TOKEN } });
    cache = await tempCacheDir();
    secretsDir = await mkdtemp(join(tmpdir(), 'gitops-secrets-'));
    repo = await server.createRepo('private');
    sha = await repo.commit({ 'deploy/a.yaml': 'private: true\n' }, 'first');
  });
  afterAll(async () => {
    await server.close();
    await cache.remove();
    await rm(secretsDir, { recursive: true, force: true });
  });

  it('fetches with a token read from a file', async () => {
    const tokenFile = join(secretsDir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const auth = await loadGitAuth({ tokenFile, username: 'x-access-token' });
    expect(auth).toEqual({ username: 'x-access-token', password: TOKEN });
    const snapshot = await fetchSource(options({ auth }));
    expect(snapshot).toMatchObject({ commit: sha, fetched: true });
    expect(textFiles(snapshot)).toEqual({ 'deploy/a.yaml': 'private: true\n' });
  });

  it('reads a token from an environment variable, with username git by default', async () => {
    process.env['GITOPS_TEST_TOKEN'] = ` ${TOKEN} `;
    try {
      expect(await loadGitAuth({ tokenEnv: 'GITOPS_TEST_TOKEN' })).toEqual({
        username: 'git',
        password: TOKEN,
      });
    } finally {
      delete process.env['GITOPS_TEST_TOKEN'];
    }
    expect(await loadGitAuth({})).toBeUndefined();
  });

  it('explains a missing token source without leaking anything', async () => {
    const missingFile = await loadGitAuth({ tokenFile: join(secretsDir, 'absent') }).catch((e: unknown) => e);
    expect(missingFile).toMatchObject({ retryable: true });
    expect((missingFile as Error).message).toBe(
      `cannot read Git token file ${join(secretsDir, 'absent')}: ENOENT`,
    );
    const missingEnv = await loadGitAuth({ tokenEnv: 'GITOPS_TEST_UNSET' }).catch((e: unknown) => e);
    expect((missingEnv as Error).message).toBe(
      'environment variable GITOPS_TEST_UNSET holding the Git token is not set',
    );
  });

  it('fails retryably with a wrong token, and the message never contains it', async () => {
    const before = server.requests.length;
    const err = await fetchSource(options({ auth: { username: 'x-access-token', password: WRONG } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ stage: 'source', retryable: true });
    expect((err as Error).message).toBe(`authentication to ${repo.url} failed (HTTP 401 Unauthorized)`);
    expectNoSecret(err, [WRONG, TOKEN]);
    expect(server.requests.length).toBeGreaterThan(before);
  });

  it('fails the same way without credentials', async () => {
    const err = await fetchSource(options()).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`authentication to ${repo.url} failed (HTTP 401 Unauthorized)`);
  });

  it('moves credentials out of the URL and scrubs them from results and errors', async () => {
    const withCreds = (password: string): string =>
      repo.url.replace('http://', `http://x-access-token:${encodeURIComponent(password)}@`);
    const snapshot = await fetchSource(options({ url: withCreds(TOKEN) }));
    expect(snapshot).toMatchObject({ url: repo.url, commit: sha });

    const err = await fetchSource(options({ url: withCreds(WRONG) })).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`authentication to ${repo.url} failed (HTTP 401 Unauthorized)`);
    expectNoSecret(err, [WRONG]);

    const refused = await fetchSource(
      options({ url: `http://x-access-token:${WRONG}@127.0.0.1:1/private.git`, timeoutMs: 5000 }),
    ).catch((e: unknown) => e);
    expect(refused).toMatchObject({ retryable: true });
    expect((refused as Error).message).toContain('http://127.0.0.1:1/private.git');
    expectNoSecret(refused, [WRONG]);
  });
});
