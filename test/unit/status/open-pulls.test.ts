// Open pull requests from forks are not listed for previews: their head is not in the repository the target
// fetches, so a preview could only fail on it at every interval.
import { afterEach, describe, expect, it } from 'vitest';
import { giteaWriter } from '../../../src/status/gitea.ts';
import { githubWriter } from '../../../src/status/github.ts';
import { gitlabWriter } from '../../../src/status/gitlab.ts';
import type { StatusWriter } from '../../../src/status/types.ts';
import { startGitea } from '../../support/hosts/gitea.ts';
import { startGitHub } from '../../support/hosts/github.ts';
import { startGitLab } from '../../support/hosts/gitlab.ts';
import type { ContractServer, FakePull } from '../../support/hosts/server.ts';

const token = 'tok-open-pulls';
let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const cases: [
  string,
  () => Promise<{ server: ContractServer & { pulls: FakePull[] }; writer: StatusWriter }>,
][] = [
  [
    'github',
    async () => {
      const s = await startGitHub({ token, repository: 'acme/deploy' });
      return {
        server: s,
        writer: githubWriter(
          { provider: 'github', apiUrl: s.url, repository: 'acme/deploy' },
          async () => token,
        ),
      };
    },
  ],
  [
    'gitlab',
    async () => {
      const s = await startGitLab({ token, id: 9, path: 'acme/deploy' });
      return {
        server: s,
        writer: gitlabWriter(
          { provider: 'gitlab', apiUrl: `${s.url}/api/v4`, repository: 'acme/deploy' },
          async () => token,
        ),
      };
    },
  ],
  [
    'gitea',
    async () => {
      const s = await startGitea({ token, repository: 'acme/deploy' });
      return {
        server: s,
        writer: giteaWriter(
          { provider: 'gitea', apiUrl: `${s.url}/api/v1`, repository: 'acme/deploy' },
          async () => token,
        ),
      };
    },
  ],
];

describe.each(cases)('%s openPulls', (_name, start) => {
  it('lists pull requests from the repository itself and skips those from forks', async () => {
    const started = await start();
    server = started.server;
    started.server.pulls.push(
      { number: 1, headSha: '1'.repeat(40), headRef: 'feature', baseRef: 'main' },
      { number: 2, headSha: '2'.repeat(40), headRef: 'patch', baseRef: 'main', fork: 'mallory/deploy' },
    );
    const pulls = await started.writer.openPulls!('main');
    expect(pulls.map((p) => p.number)).toEqual([1]);
  });
});

describe('gitea openPulls over many pages', () => {
  it('reads every page, not only the first 50', async () => {
    const s = await startGitea({ token, repository: 'acme/deploy' });
    server = s;
    for (let n = 1; n <= 120; n++)
      s.pulls.push({
        number: n,
        headSha: String(n % 10).repeat(40),
        headRef: `f${n}`,
        baseRef: n % 2 ? 'main' : 'dev',
      });
    const writer = giteaWriter(
      { provider: 'gitea', apiUrl: `${s.url}/api/v1`, repository: 'acme/deploy' },
      async () => token,
    );
    const pulls = await writer.openPulls!('main');
    expect(pulls).toHaveLength(60);
    expect(pulls.at(-1)!.number).toBe(119);
    expect(s.requests.filter((r) => r.path.includes('/pulls'))).toHaveLength(3);
  });
});
