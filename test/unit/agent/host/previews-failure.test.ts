// A preview that throws before it has a result: its `pending` becomes a redacted `error`, the head is tried again
// after a backoff (not at once, not never), and a preview cut short by shutdown posts nothing. A head named by an
// abbreviated hash (Bitbucket Cloud) is resolved from the real Git server first: a branch that moved on or is
// missing is skipped, and a remote that cannot be listed is backed off, all with nothing posted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Previews } from '../../../../src/agent/host/previews.ts';
import { HostReporter } from '../../../../src/agent/host/reporter.ts';
import { parseAgentConfig, type TargetConfig } from '../../../../src/agent/config.ts';
import { Redactor } from '../../../../src/agent/redact.ts';
import { Kube } from '../../../../src/kube/objects.ts';
import { startGitServer, type GitServer } from '../../../support/git-server.ts';
import { startGitHub, type GitHubFake } from '../../../support/hosts/github.ts';

const token = 'ghp_previewfail';
const secret = 'hunter2-secret-path';
const head = 'd'.repeat(40);
const pull = { number: 3, headCommit: head, headRef: 'feature', baseRef: 'main' };
let server: GitHubFake | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await server?.close();
  server = undefined;
});

async function setup(
  stop?: AbortController,
  auth: Record<string, string> = { tokenFile: `/nonexistent/${secret}/token` },
  repo = 'https://github.com/acme/deploy.git',
) {
  server = await startGitHub({ token, repository: 'acme/deploy' });
  const [cfg] = parseAgentConfig(
    stringify({
      targets: [
        {
          name: 'web',
          repo,
          ref: 'main',
          // By default a token file that cannot be read makes the preview throw before reconcile runs.
          auth,
          host: {
            provider: 'github',
            apiUrl: server.url,
            repository: 'acme/deploy',
            token: { env: 'PREVIEW_FAILURE_TOKEN' },
            previews: { enabled: true, interval: '0s' },
          },
        },
      ],
    }),
  ).targets as [TargetConfig];
  process.env.PREVIEW_FAILURE_TOKEN = token;
  const redactor = new Redactor();
  redactor.add(secret);
  const logs: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({ write: (c: Buffer, _e, cb) => void (logs.push(c.toString()), cb()) }),
  );
  const reporter = new HostReporter({
    cluster: 'c',
    log,
    redactor,
    registry: new Registry(),
    targetConfig: () => cfg,
  });
  // An API server nobody answers on: the stopped preview never gets as far as asking it.
  const dir = mkdtempSync(join(tmpdir(), 'gitops-preview-fail-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'x', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'x', user: { token: 'x' } }],
      contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }],
      'current-context': 'x',
    }),
  );
  const kube = Kube.load(kubeconfig);
  cleanups.push(() => (kube.close(), rmSync(dir, { recursive: true, force: true })));
  const previews = new Previews({
    kube,
    cacheDir: join(dir, 'git'),
    version: 'test',
    log,
    redactor,
    reporter,
    targetConfig: () => cfg,
    targets: () => ['web'],
    failureBackoffMs: 300,
  });
  if (stop) previews.start(stop.signal, 60_000);
  const statuses = () =>
    server!.statuses.filter((s) => s.sha === head).map((s) => `${s.state}: ${s.description}`);
  return { previews, reporter, logs, statuses };
}

describe('a preview that throws', () => {
  it('posts a redacted error over its pending, and tries the head again only after the backoff', async () => {
    const { previews, reporter, logs, statuses } = await setup();
    expect(previews.request('web', pull)).toBe(true);
    await previews.idle();
    await reporter.idle();
    const posted = statuses();
    expect(posted).toHaveLength(2);
    expect(posted[0]).toBe('pending: preview in progress');
    expect(posted[1]).toMatch(/^error: preview failed: cannot read Git token file/);
    expect(posted.join('\n')).not.toContain(secret);
    expect(logs.join('')).toContain('preview failed');
    expect(logs.join('')).not.toContain(secret);
    expect(previews.request('web', pull)).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(previews.request('web', pull)).toBe(true);
    await previews.idle();
    // The second failure doubles the wait.
    await new Promise((r) => setTimeout(r, 400));
    expect(previews.request('web', pull)).toBe(false);
    reporter.stop();
  });

  it('posts no error when the agent is stopping', async () => {
    const stop = new AbortController();
    // Readable auth: reconcile runs and, stopped, ends with an error result, which is no verdict.
    const { previews, reporter, statuses } = await setup(stop, {});
    expect(previews.request('web', pull)).toBe(true);
    stop.abort();
    await previews.idle();
    await reporter.idle();
    expect(statuses().filter((s) => s.startsWith('error'))).toEqual([]);
    reporter.stop();
  });
});

describe('a pull request naming its head by an abbreviated hash (Bitbucket Cloud)', () => {
  async function withRepo() {
    const git: GitServer = await startGitServer();
    cleanups.push(() => git.close());
    const repo = await git.createRepo('deploy');
    const first = await repo.commit({ 'deploy/a.yaml': 'a: 1\n' }, 'first');
    const second = await repo.commit({ 'deploy/a.yaml': 'a: 2\n' }, 'second');
    await repo.branch('feature', second);
    return { ...(await setup(undefined, {}, repo.url)), first, second, url: repo.url };
  }

  it('skips a head whose branch has moved on to another commit, naming both, and posts nothing', async () => {
    const { previews, reporter, logs, first, second } = await withRepo();
    const prefix = first.slice(0, 12);
    expect(previews.request('web', { ...pull, headCommit: prefix })).toBe(true);
    await previews.idle();
    await reporter.idle();
    expect(server!.statuses).toEqual([]);
    expect(logs.join('')).toContain(
      `preview skipped: pull request #3 names head ${prefix} on branch feature, which points at ${second} now`,
    );
    // The same prefix asked again is not resolved again.
    expect(previews.request('web', { ...pull, headCommit: prefix })).toBe(false);
    reporter.stop();
  });

  it('skips a head whose branch the target repository does not have (a fork), and posts nothing', async () => {
    const { previews, reporter, logs, second, url } = await withRepo();
    const prefix = second.slice(0, 12);
    expect(previews.request('web', { ...pull, headCommit: prefix, headRef: 'from-fork' })).toBe(true);
    await previews.idle();
    await reporter.idle();
    expect(server!.statuses).toEqual([]);
    expect(logs.join('')).toContain(
      `preview skipped: pull request #3 names head ${prefix} on branch from-fork, which ${url} does not have`,
    );
    reporter.stop();
  });

  it('backs off, posting nothing, when the remote cannot be listed', async () => {
    const repo = 'http://git:url-pass-4242@127.0.0.1:1/deploy.git';
    const { previews, reporter, logs } = await setup(undefined, {}, repo);
    const asked = { ...pull, headCommit: head.slice(0, 12) };
    expect(previews.request('web', asked)).toBe(true);
    await previews.idle();
    await reporter.idle();
    expect(server!.statuses).toEqual([]);
    expect(logs.join('')).toContain('preview postponed: the abbreviated head commit could not be resolved');
    expect(logs.join('')).toContain('listing the refs of http://127.0.0.1:1/deploy.git failed');
    expect(logs.join('')).not.toContain('url-pass-4242');
    expect(previews.request('web', asked)).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(previews.request('web', asked)).toBe(true);
    await previews.idle();
    reporter.stop();
  });

  it('skips a head that is no commit hash at all', async () => {
    const { previews, reporter, logs } = await setup();
    expect(previews.request('web', { ...pull, headCommit: 'feature-tip' })).toBe(false);
    expect(previews.request('web', { ...pull, headCommit: head.slice(0, 12), headRef: '' })).toBe(false);
    await reporter.idle();
    expect(server!.statuses).toEqual([]);
    expect(logs.join('')).toContain('preview skipped: the pull request names its head by no commit hash');
    reporter.stop();
  });
});
