// Network failures surface as retryable AgentErrors with clear messages, within the deadline.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/core/errors.ts';
import { fetchSource } from '../../../src/source/source.ts';
import { useSourceEnv } from '../../support/git-fixtures.ts';

describe('fetchSource network failures', () => {
  let stalling: Server;
  let stallingUrl: string;
  const env = useSourceEnv('.');
  const { options, failure } = env;

  beforeAll(async () => {
    // Sends the response head and one pkt-line, then goes silent, like a server stuck while packing.
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

  it('gives up on a silent server after timeoutMs', async () => {
    const started = performance.now();
    const err = await failure(options(stallingUrl, { timeoutMs: 300 }));
    // Never before the deadline; and far from the 60 s default, so the 300 ms were honoured (a bound a loaded
    // machine cannot break, unlike a tight one).
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(30_000);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ stage: 'source', retryable: true });
    expect((err as Error).message).toBe(`fetching ${stallingUrl} timed out after 300 ms`);
  });

  it('reports a refused connection as retryable', async () => {
    const err = await failure(options('http://127.0.0.1:1/none.git'));
    expect(err).toMatchObject({ stage: 'source', retryable: true });
    expect((err as Error).message).toMatch(
      /^fetching http:\/\/127\.0\.0\.1:1\/none\.git failed: .*ECONNREFUSED/,
    );
  });

  it('reports a repository the server does not have', async () => {
    const url = env.server.repoUrl('absent');
    const err = await failure(options(url));
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toBe(
      `repository ${url} not found or not readable with these credentials (HTTP 404 Not Found)`,
    );
  });

  it('reports an empty repository as a ref not found', async () => {
    const repo = await env.server.createRepo('empty');
    const err = await failure(options(repo.url));
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toBe(
      `ref "main" not found in ${repo.url} (no branch or tag of that name)`,
    );
  });

  it('refuses URLs isomorphic-git cannot fetch', async () => {
    const err = await failure(options('ssh://git@example.com/repo.git'));
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toBe('unsupported repository URL scheme ssh: (use http or https)');
  });

  it('keeps working after failures: the cache holds no half-made clone', async () => {
    const repo = await env.server.createRepo('after-failure');
    const sha = await repo.commit({ 'a.yaml': 'a\n' }, 'first');
    expect(await failure(options(repo.url, { ref: 'later' }))).toMatchObject({ retryable: true });
    await repo.branch('later');
    expect(await fetchSource(options(repo.url, { ref: 'later' }))).toMatchObject({
      commit: sha,
      fetched: true,
    });
  });
});
