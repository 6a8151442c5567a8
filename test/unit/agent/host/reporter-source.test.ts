// A sync whose source stage fails knows no commit: it posts no status, in particular none on the commit the
// target resolved before (which would stay red); a failure before the sync lock still marks that commit.
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../../../src/agent/events.ts';
import type { Stage, SyncResult } from '../../../../src/core/types.ts';
import { startGitHub, type GitHubFake } from '../../../support/hosts/github.ts';
import { githubReporter } from './github-reporter.ts';

const token = 'ghp_reporter';
const old = 'e'.repeat(40);
let server: GitHubFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const failed = (stage: Stage, message: string): AgentEvent =>
  ({
    type: 'sync-done',
    target: 'web',
    reason: 'interval',
    outcome: 'failed',
    result: {
      target: 'web',
      url: 'https://github.com/acme/deploy.git',
      ref: 'main',
      outcome: 'failed',
      error: { stage, message, retryable: true },
      changes: [],
      health: [],
      timings: {},
      requests: {},
    } satisfies SyncResult,
    status: { message } as never,
    ms: 1,
  }) as AgentEvent;

async function reporterWithOldCommit() {
  server = await startGitHub({ token, repository: 'acme/deploy' });
  process.env.REPORTER_SOURCE_TOKEN = token;
  const reporter = githubReporter(server, 'REPORTER_SOURCE_TOKEN');
  reporter.listener({
    type: 'sync-progress',
    target: 'web',
    event: { type: 'source-resolved', commit: old },
  } as AgentEvent);
  await reporter.idle();
  return reporter;
}

describe('HostReporter after a sync that failed without a commit', () => {
  it('posts nothing on the commit resolved before when the source stage failed', async () => {
    const reporter = await reporterWithOldCommit();
    reporter.listener(failed('source', 'git fetch: could not resolve host'));
    await reporter.idle();
    expect(server!.statuses.map((s) => s.state)).toEqual(['pending']);
    reporter.stop();
  });

  it('still marks that commit error when the failure came before the source stage (the sync lock)', async () => {
    const reporter = await reporterWithOldCommit();
    reporter.listener(failed('inventory', 'sync lock Lease: connection refused'));
    await reporter.idle();
    expect(server!.statuses.map((s) => s.state)).toEqual(['pending', 'error']);
    reporter.stop();
  });
});
