// The reporter's HostState against the GitHub contract server: a refusal is told to onStateChange once (the
// same refusal again is not news), a fixed token is ok again whether the status is posted or found unchanged,
// and a token the host echoes in its refusal never reaches the state.
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHub, type GitHubFake } from '../../../support/hosts/github.ts';
import { githubReporter } from './github-reporter.ts';

const token = 'ghp_reporterstate0123456789';
const wrong = 'ghp_wrongtoken9876543210';
const sha = 'b'.repeat(40);
const ENV = 'REPORTER_STATE_TOKEN';
let server: GitHubFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  delete process.env[ENV];
});

async function reporter() {
  server ??= await startGitHub({ token, repository: 'acme/deploy' });
  const changes: string[] = [];
  const r = githubReporter(server, ENV, {
    onStateChange: (target) => changes.push(`${target}:${JSON.stringify(r.state(target))}`),
  });
  const post = async (tokenNow: string) => {
    process.env[ENV] = tokenNow;
    r.post('web', sha, { state: 'success', description: 'synced' });
    await r.idle();
    return r.state('web');
  };
  return { r, changes, post };
}

describe('HostReporter state', () => {
  it('tells a refusal once, the same refusal again not, and the fixed token as ok', async () => {
    const { r, changes, post } = await reporter();
    // The host echoes the token it was sent, as some proxies in front of a host do.
    server!.force({ status: 401, body: { message: `Bad credentials: ${wrong}` } });
    const refused = await post(wrong);
    expect(refused).toMatchObject({ ok: false, code: 'HOST_UNAUTHORIZED' });
    expect(JSON.stringify(refused)).not.toContain(wrong);
    expect(JSON.stringify(refused)).toContain('Bad credentials: ***');
    expect(await post(wrong)).toMatchObject({ ok: false, code: 'HOST_UNAUTHORIZED' });
    expect(changes).toHaveLength(1);
    expect(await post(token)).toMatchObject({ ok: true });
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatch(/^web:\{"ok":true,"at":"/);
    expect(server!.statuses.map((s) => s.state)).toEqual(['success']);
    r.stop();
  });

  it('is ok again when the status is found unchanged with the fixed token (nothing new to post)', async () => {
    const first = await reporter();
    expect(await first.post(token)).toMatchObject({ ok: true });
    first.r.stop();
    // A new process (the agent restarted) knows nothing of what the host has, so it reads with the token.
    const { r, changes, post } = await reporter();
    expect(await post(wrong)).toMatchObject({ ok: false, code: 'HOST_UNAUTHORIZED' });
    expect(await post(token)).toMatchObject({ ok: true });
    // One status on the host: the last post read it and found it unchanged.
    expect(server!.statuses).toHaveLength(1);
    expect(changes.map((c) => c.slice(0, 'web:{"ok":true'.length))).toEqual([
      'web:{"ok":fals',
      'web:{"ok":true',
    ]);
    r.stop();
  });

  it('asks the host nothing for a status it posted itself, and leaves the host state as it was', async () => {
    const { r, changes, post } = await reporter();
    expect(await post(token)).toMatchObject({ ok: true });
    const asked = server!.requests.length;
    // The same verdict at the next re-checks: no read, no post, even with a token the host would refuse.
    expect(await post(token)).toMatchObject({ ok: true });
    expect(await post(wrong)).toMatchObject({ ok: true });
    expect(server!.requests.length).toBe(asked);
    expect(changes).toHaveLength(1);
    r.stop();
  });
  it('keeps a missing write scope (403) refused when a later status is only found unchanged', async () => {
    const first = await reporter();
    expect(await first.post(token)).toMatchObject({ ok: true });
    first.r.stop();
    const { r, post } = await reporter();
    server!.force({ status: 403, body: { message: 'Resource not accessible by integration' } });
    expect(await post(token)).toMatchObject({ ok: false, code: 'HOST_FORBIDDEN' });
    // The read succeeds and finds the status unchanged: reading proves nothing about writing.
    expect(await post(token)).toMatchObject({ ok: false, code: 'HOST_FORBIDDEN' });
    r.stop();
  });

  it('leaves the target’s host state to its own statuses, not to its previews', async () => {
    const { r, changes } = await reporter();
    process.env[ENV] = token;
    server!.force({ status: 401, body: { message: 'Bad credentials' } });
    r.post(
      'web',
      sha,
      { state: 'failure', description: 'would fail' },
      { context: 'gitops-agent/c/web/preview' },
    );
    await r.idle();
    expect(r.state('web')).toBeUndefined();
    expect(changes).toEqual([]);
    r.stop();
  });
});
