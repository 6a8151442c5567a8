// The six hosts as the status tests drive them: how each contract server is started, the agent's `host` key for
// it, and the exact requests a status read and a status post must be on that host.
import { bitbucketKey } from '../../../src/status/bitbucket.ts';
import type { CommitState } from '../../../src/status/types.ts';
import { startAzure } from '../../support/hosts/azure.ts';
import { startBitbucketCloud, startBitbucketServer } from '../../support/hosts/bitbucket.ts';
import { startGitea } from '../../support/hosts/gitea.ts';
import { startGitHub } from '../../support/hosts/github.ts';
import { startGitLab } from '../../support/hosts/gitlab.ts';
import type { ContractServer } from '../../support/hosts/server.ts';

/** A request reduced to what the tests compare. */
export interface Wire {
  method: string;
  path: string;
  body?: unknown;
}

/** One host under test. */
export interface HostCase {
  name: string;
  /** Longest description the host may get from the agent. */
  maxDescription: number;
  start(token: string): Promise<{ server: ContractServer; host: Record<string, unknown> }>;
  /** The request that reads the newest status of `context` on `sha`. */
  read(sha: string, context: string): Wire;
  /** The request that posts a status. */
  post(sha: string, s: { state: CommitState; context: string; description: string; targetUrl: string }): Wire;
  /** The header that must carry the token, and its value. */
  auth(token: string): [string, string];
  /** Further headers every request must carry. */
  headers?: Record<string, RegExp>;
}

const TARGET_URL = 'https://dashboard.example/gitops';

/** The six hosts. */
export const HOSTS: HostCase[] = [
  {
    name: 'github-enterprise',
    maxDescription: 140,
    async start(token) {
      const server = await startGitHub({ token, repository: 'acme/deploy' });
      return {
        server,
        host: { provider: 'github', apiUrl: `${server.url}/api/v3`, repository: 'acme/deploy' },
      };
    },
    read: (sha) => ({ method: 'GET', path: `/api/v3/repos/acme/deploy/commits/${sha}/status?per_page=100` }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/api/v3/repos/acme/deploy/statuses/${sha}`,
      body: { state: s.state, context: s.context, description: s.description, target_url: s.targetUrl },
    }),
    auth: (t) => ['authorization', `Bearer ${t}`],
    headers: { 'user-agent': /^gitops-agent/, 'x-github-api-version': /^2022-11-28$/ },
  },
  {
    name: 'gitlab',
    maxDescription: 255,
    async start(token) {
      const server = await startGitLab({ token, id: 42, path: 'platform/team/deploy' });
      return {
        server,
        host: { provider: 'gitlab', apiUrl: `${server.url}/api/v4`, repository: 'platform/team/deploy' },
      };
    },
    read: (sha, context) => ({
      method: 'GET',
      path: `/api/v4/projects/platform%2Fteam%2Fdeploy/repository/commits/${sha}/statuses?name=${encodeURIComponent(context)}`,
    }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/api/v4/projects/platform%2Fteam%2Fdeploy/statuses/${sha}`,
      body: {
        state: { pending: 'pending', success: 'success', failure: 'failed', error: 'failed' }[s.state],
        name: s.context,
        description: s.description,
        target_url: s.targetUrl,
      },
    }),
    auth: (t) => ['private-token', t],
  },
  {
    name: 'gitea',
    maxDescription: 1000,
    async start(token) {
      const server = await startGitea({ token, repository: 'acme/deploy' });
      return {
        server,
        host: { provider: 'gitea', apiUrl: `${server.url}/api/v1`, repository: 'acme/deploy' },
      };
    },
    read: (sha) => ({ method: 'GET', path: `/api/v1/repos/acme/deploy/commits/${sha}/status?limit=100` }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/api/v1/repos/acme/deploy/statuses/${sha}`,
      body: { state: s.state, context: s.context, description: s.description, target_url: s.targetUrl },
    }),
    auth: (t) => ['authorization', `token ${t}`],
  },
  {
    name: 'bitbucket-cloud',
    maxDescription: 255,
    async start(token) {
      const server = await startBitbucketCloud({ token, repository: 'acme/deploy' });
      return {
        server,
        host: { provider: 'bitbucket-cloud', apiUrl: `${server.url}/2.0`, repository: 'acme/deploy' },
      };
    },
    read: (sha, context) => ({
      method: 'GET',
      path: `/2.0/repositories/acme/deploy/commit/${sha}/statuses/build/${encodeURIComponent(bitbucketKey(context))}`,
    }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/2.0/repositories/acme/deploy/commit/${sha}/statuses/build`,
      body: {
        key: bitbucketKey(s.context),
        name: s.context,
        state: { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED' }[s.state],
        description: s.description,
        url: s.targetUrl,
      },
    }),
    auth: (t) => ['authorization', `Bearer ${t}`],
  },
  {
    name: 'bitbucket-server',
    maxDescription: 255,
    async start(token) {
      const server = await startBitbucketServer({ token, repository: 'ACME/deploy', context: '/bitbucket' });
      return {
        server,
        host: { provider: 'bitbucket-server', apiUrl: `${server.url}/bitbucket`, repository: 'ACME/deploy' },
      };
    },
    read: (sha) => ({ method: 'GET', path: `/bitbucket/rest/build-status/1.0/commits/${sha}?limit=100` }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/bitbucket/rest/api/latest/projects/ACME/repos/deploy/commits/${sha}/builds`,
      body: {
        key: bitbucketKey(s.context),
        name: s.context,
        state: { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED' }[s.state],
        description: s.description,
        url: s.targetUrl,
      },
    }),
    auth: (t) => ['authorization', `Bearer ${t}`],
  },
  {
    name: 'azure-devops',
    maxDescription: 255,
    async start(token) {
      const server = await startAzure({ token, repository: 'acme/platform/deploy' });
      return {
        server,
        host: { provider: 'azure-devops', apiUrl: server.url, repository: 'acme/platform/deploy' },
      };
    },
    read: (sha) => ({
      method: 'GET',
      path: `/acme/platform/_apis/git/repositories/deploy/commits/${sha}/statuses?latestOnly=true&api-version=7.1`,
    }),
    post: (sha, s) => ({
      method: 'POST',
      path: `/acme/platform/_apis/git/repositories/deploy/commits/${sha}/statuses?api-version=7.1`,
      body: {
        state: { pending: 'pending', success: 'succeeded', failure: 'failed', error: 'error' }[s.state],
        description: s.description,
        context: { name: s.context, genre: 'gitops-agent' },
        targetUrl: s.targetUrl,
      },
    }),
    auth: (t) => ['authorization', `Basic ${Buffer.from(`:${t}`).toString('base64')}`],
  },
];

export { TARGET_URL };
