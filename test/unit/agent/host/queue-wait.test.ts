// Rate limits are waited out by the StatusQueue, never inside a worker, and a huge Retry-After is capped.
import { afterEach, describe, expect, it } from 'vitest';
import { StatusQueue } from '../../../../src/agent/host/queue.ts';
import { HostError } from '../../../../src/status/errors.ts';
import { githubWriter } from '../../../../src/status/github.ts';
import type { StatusWriter } from '../../../../src/status/types.ts';
import { githubSecondaryLimit, startGitHub, type GitHubFake } from '../../../support/hosts/github.ts';

const token = 'ghp_wait';
const sha = 'b'.repeat(40);
const status = { state: 'success' as const, context: 'gitops-agent/c/web', description: 'ok' };
let server: GitHubFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('waiting out a host', () => {
  it('gives a GitHub rate limit back at once as a retryable error instead of waiting in the client', async () => {
    server = await startGitHub({ token, repository: 'acme/deploy' });
    const writer = githubWriter(
      { provider: 'github', apiUrl: server.url, repository: 'acme/deploy' },
      async () => token,
    );
    server.force(githubSecondaryLimit(3));
    const started = Date.now();
    const err = await writer.post(sha, status).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).retryable).toBe(true);
    expect((err as HostError).retryAfterMs).toBe(3000);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('caps a Retry-After beyond what a timer can hold instead of retrying at once', async () => {
    let attempts = 0;
    const writer: StatusWriter = {
      provider: 'gitea',
      maxDescription: 100,
      latest: async () => undefined,
      post: async () => {
        attempts++;
        throw new HostError('POST /statuses: HTTP 429', {
          code: 'HOST_RATE_LIMITED',
          status: 429,
          retryable: true,
          retryAfterMs: 2 ** 31 + 1000,
        });
      },
    };
    const queue = new StatusQueue({ initialBackoffMs: 1, maxBackoffMs: 1 });
    queue.push({ target: 'web', writer, repository: 'acme/deploy', sha, status });
    await new Promise((r) => setTimeout(r, 300));
    queue.stop();
    expect(attempts).toBe(1);
  });
});
