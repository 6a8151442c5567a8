// The StatusQueue posts a verdict once, even where the host folds `error` into its failed state.
import { afterEach, describe, expect, it } from 'vitest';
import { StatusQueue } from '../../../../src/agent/host/queue.ts';
import { gitlabWriter } from '../../../../src/status/gitlab.ts';
import { startGitLab, type GitLabFake } from '../../../support/hosts/gitlab.ts';

const token = 'glpat-queue';
const sha = 'a'.repeat(40);
let server: GitLabFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('StatusQueue on GitLab', () => {
  it('posts an unchanged error verdict once over two syncs (error goes out as failed, comes back as failure)', async () => {
    server = await startGitLab({ token, id: 7, path: 'team/deploy' });
    const writer = gitlabWriter(
      { provider: 'gitlab', apiUrl: `${server.url}/api/v4`, repository: 'team/deploy' },
      async () => token,
    );
    const outcomes: string[] = [];
    const queue = new StatusQueue({ onOutcome: (o) => outcomes.push(o.kind) });
    const status = {
      state: 'error' as const,
      context: 'gitops-agent/c/web',
      description: 'API server unreachable',
    };
    for (let sync = 0; sync < 2; sync++) {
      queue.push({ target: 'web', writer, repository: 'team/deploy', sha, status });
      await queue.idle();
    }
    queue.stop();
    expect(server.statuses.map((s) => s.status)).toEqual(['failed']);
    expect(outcomes).toEqual(['posted', 'unchanged']);
  });
});
