// GitHub's rate limits are retryable HOST_RATE_LIMITED errors carrying the wait; a plain 403 stays forbidden.
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../../../src/status/errors.ts';
import { githubWriter } from '../../../src/status/github.ts';
import { startGitHub, type GitHubFake } from '../../support/hosts/github.ts';

const token = 'ghp_limits';
const sha = 'c'.repeat(40);
const status = { state: 'success' as const, context: 'gitops-agent/c/web', description: 'ok' };
let server: GitHubFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function postError(): Promise<HostError> {
  const writer = githubWriter(
    { provider: 'github', apiUrl: server!.url, repository: 'acme/deploy' },
    async () => token,
  );
  const err = await writer.post(sha, status).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HostError);
  return err as HostError;
}

describe('GitHub rate limits', () => {
  it('maps a primary rate limit (403, x-ratelimit-remaining 0) to HOST_RATE_LIMITED until x-ratelimit-reset', async () => {
    server = await startGitHub({ token, repository: 'acme/deploy' });
    server.force({
      status: 403,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 120),
      },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    });
    const err = await postError();
    expect(err.code).toBe('HOST_RATE_LIMITED');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeGreaterThan(100_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('maps a 403 secondary rate limit with retry-after, or without it to 60 s', async () => {
    server = await startGitHub({ token, repository: 'acme/deploy' });
    const message =
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    server.force({ status: 403, headers: { 'retry-after': '30' }, body: { message } });
    const withHeader = await postError();
    expect([withHeader.code, withHeader.retryable, withHeader.retryAfterMs]).toEqual([
      'HOST_RATE_LIMITED',
      true,
      30_000,
    ]);
    server.force({ status: 403, body: { message } });
    const without = await postError();
    expect([without.code, without.retryable, without.retryAfterMs]).toEqual([
      'HOST_RATE_LIMITED',
      true,
      60_000,
    ]);
  });

  it('keeps a 403 that asks for no wait as HOST_FORBIDDEN, not retried', async () => {
    server = await startGitHub({ token, repository: 'acme/deploy' });
    server.force({ status: 403, body: { message: 'Resource not accessible by integration' } });
    const err = await postError();
    expect([err.code, err.retryable]).toEqual(['HOST_FORBIDDEN', false]);
  });
});
