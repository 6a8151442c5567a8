// Bitbucket requires a status `url`; without host.targetUrl it is the repository's https web page, also when
// the target clones over SSH, and never carries credentials.
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { WriterCache } from '../../../../src/agent/host/writers.ts';
import { parseAgentConfig } from '../../../../src/agent/config.ts';
import { Redactor } from '../../../../src/agent/redact.ts';
import {
  startBitbucketCloud,
  startBitbucketServer,
  type BitbucketFake,
} from '../../../support/hosts/bitbucket.ts';

const token = 'bb-link-token';
const sha = 'f'.repeat(40);
let server: BitbucketFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function postedUrl(repo: string, host: Record<string, string>): Promise<string> {
  process.env.WRITERS_LINK_TOKEN = token;
  const [cfg] = parseAgentConfig(
    stringify({ targets: [{ name: 'web', repo, host: { ...host, token: { env: 'WRITERS_LINK_TOKEN' } } }] }),
  ).targets;
  const w = new WriterCache('c', new Redactor()).get(cfg!)!;
  await w.writer.post(sha, { state: 'success', context: w.context, description: 'ok' });
  return server!.statuses.at(-1)!.url;
}

describe('the Bitbucket status link without host.targetUrl', () => {
  it.each([
    ['git@bitbucket.org:acme/deploy.git', 'https://bitbucket.org/acme/deploy'],
    ['ssh://git@bitbucket.org/acme/deploy.git', 'https://bitbucket.org/acme/deploy'],
    ['https://x-token-auth:secret@bitbucket.org/acme/deploy.git', 'https://bitbucket.org/acme/deploy'],
  ])('Bitbucket Cloud, cloned from %s: %s', async (repo, want) => {
    server = await startBitbucketCloud({ token, repository: 'acme/deploy' });
    expect(await postedUrl(repo, { apiUrl: `${server.url}/2.0` })).toBe(want);
  });

  it('Bitbucket Data Center, cloned over SSH: the repository page under the API URL', async () => {
    server = await startBitbucketServer({ token, repository: 'ACME/deploy', context: '/bitbucket' });
    const url = await postedUrl('ssh://git@bitbucket.acme.example:7999/acme/deploy.git', {
      provider: 'bitbucket-server',
      apiUrl: `${server.url}/bitbucket`,
      repository: 'ACME/deploy',
    });
    expect(url).toBe(`${server.url}/bitbucket/projects/ACME/repos/deploy`);
  });
});
