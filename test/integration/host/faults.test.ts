// How the reporter meets a host in trouble, against the contract servers with the agent in-process: a 5xx is
// retried, a 429 with Retry-After is waited out, a refused token is reported once and not retried, a long cause
// never reaches GitHub over 140 characters, and no token shows in any log line, status, request body or error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { hostTarget, startHostAgent, type HostAgent } from '../../support/host-agent.ts';
import { githubSecondaryLimit, type GitHubFake } from '../../support/hosts/github.ts';
import { gitlabRateLimited } from '../../support/hosts/gitlab.ts';
import type { ContractServer } from '../../support/hosts/server.ts';
import { HOSTS, type HostCase } from './cases.ts';

const suite = useSyncFixtures();
const configMap = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${v}\n`;
const hostCase = (name: string) => HOSTS.find((h) => h.name === name)!;

interface World {
  fx: SyncFixture;
  ha: HostAgent;
  server: ContractServer;
  token: string;
  context: string;
}

async function world(host: HostCase, opts: { configuredToken?: string } = {}): Promise<World> {
  const fx = await suite.fixture(`hf-${host.name.slice(0, 6)}`);
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'gitops-host-token-'));
  await writeFile(join(dir, 'token'), opts.configuredToken ?? token);
  const { server, host: hostKey } = await host.start(token);
  const ha = await startHostAgent([hostTarget(fx, { ...hostKey, token: { file: join(dir, 'token') } })]);
  suite.onCleanup(async () => {
    await ha.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { fx, ha, server, token, context: `gitops-agent/test/${fx.namespace}` };
}

function posts(server: ContractServer): { state: string; description: string }[] {
  return server.requests
    .filter((r) => r.method === 'POST')
    .map((r) => r.body as { state: string; description: string });
}

/** No token in any log line, status description, request body, reporter state or sync message. */
function noToken(w: World, ...tokens: string[]): void {
  const seen = [
    ...w.ha.logs,
    ...w.server.requests.map((r) => `${r.path} ${JSON.stringify(r.body ?? '')}`),
    JSON.stringify(w.ha.reporter.state(w.fx.namespace) ?? {}),
    ...w.ha.events.map((e) => JSON.stringify(e)),
  ].join('\n');
  for (const t of [w.token, ...tokens]) {
    expect(seen).not.toContain(t);
    expect(seen).not.toContain(Buffer.from(`:${t}`).toString('base64'));
  }
}

describe('commit statuses when the host is in trouble', () => {
  it.each(['github-enterprise', 'gitlab', 'gitea'])(
    '%s: a 5xx is retried and the status still arrives',
    async (name) => {
      const w = await world(hostCase(name));
      await w.fx.repo.commit({ 'deploy/settings.yaml': configMap('blue') }, 'settings');
      w.server.force({ status: 502, body: { message: 'Bad Gateway' } });
      const done = await w.ha.sync(w.fx.namespace);
      expect(done.outcome).toBe('synced');
      const answered = w.server.requests.map((r) => r.method);
      // The first read got the 502 and was sent again; then the usual read, pending, read, success.
      expect(answered).toEqual(['GET', 'GET', 'POST', 'GET', 'POST']);
      expect(posts(w.server).map((p) => p.state)).toEqual(['pending', 'success']);
      noToken(w);
    },
  );

  it.each([
    ['github-enterprise', githubSecondaryLimit(2)],
    ['gitlab', gitlabRateLimited(2)],
  ] as const)('%s: a 429 with Retry-After: 2 is waited out for at least 2 s', async (name, reply) => {
    const w = await world(hostCase(name));
    await w.fx.repo.commit({ 'deploy/settings.yaml': configMap('blue') }, 'settings');
    w.server.force(reply);
    let doneAt = Infinity;
    w.ha.agent.subscribe((e) => {
      if (e.type === 'sync-done') doneAt = performance.now();
    });
    const done = await w.ha.sync(w.fx.namespace);
    expect(done.outcome).toBe('synced');
    const [limited, retried] = w.server.requests;
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(2000);
    // The sync did not wait for the host: it was done before the host's wait was over.
    expect(doneAt).toBeLessThan(retried!.at);
    expect(posts(w.server).map((p) => p.state)).toEqual(['pending', 'success']);
    noToken(w);
  });

  it.each(['github-enterprise', 'gitlab', 'bitbucket-cloud'])(
    '%s: a refused token is reported once in the state, the log and the metric, and not retried',
    async (name) => {
      const wrong = `wrong-${randomBytes(12).toString('hex')}`;
      const w = await world(hostCase(name), { configuredToken: wrong });
      await w.fx.repo.commit({ 'deploy/settings.yaml': configMap('blue') }, 'settings');
      await w.ha.sync(w.fx.namespace);
      await w.fx.repo.commit({ 'deploy/settings.yaml': configMap('green') }, 'green');
      await w.ha.sync(w.fx.namespace);
      // Two syncs, two statuses each: every one read once, refused, and given up on.
      expect(w.server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
      expect(w.ha.reporter.state(w.fx.namespace)).toMatchObject({ ok: false, code: 'HOST_UNAUTHORIZED' });
      const warned = w.ha.logs.filter((l) => l.includes('commit status not posted'));
      expect(warned).toHaveLength(1);
      const text = await w.ha.metrics.registry.metrics();
      expect(text).toContain(`gitops_commit_status_host_ok{target="${w.fx.namespace}",cluster="test"} 0`);
      expect(text).toMatch(
        new RegExp(
          `gitops_commit_status_failures_total\\{target="${w.fx.namespace}",provider="[a-z-]+",code="HOST_UNAUTHORIZED",cluster="test"\\} 4`,
        ),
      );
      noToken(w, wrong);
    },
  );

  it('never sends GitHub a description over 140 characters, and never the same state twice', async () => {
    const w = await world(hostCase('github-enterprise'));
    const long = `deploy/${'very-long-directory-name/'.repeat(8)}bad.yaml`;
    await w.fx.repo.commit({ [long]: 'kind: [unclosed\n' }, 'a bad file deep down');
    const done = await w.ha.sync(w.fx.namespace);
    expect(done.outcome).toBe('failed');
    expect(done.status.message.length).toBeGreaterThan(140);
    await w.ha.sync(w.fx.namespace);
    await w.ha.sync(w.fx.namespace);
    const sent = posts(w.server);
    expect(sent.map((p) => p.state)).toEqual(['pending', 'failure']);
    expect([...sent[1]!.description]).toHaveLength(140);
    expect(sent[1]!.description.startsWith('deploy/very-long-directory-name/')).toBe(true);
    expect((w.server as GitHubFake).statuses).toHaveLength(2);
    noToken(w);
  });

  it("meets GitHub's cap of 1,000 statuses per commit and context with one report, not a retry loop", async () => {
    const w = await world(hostCase('github-enterprise'));
    const sha = await w.fx.repo.commit({ 'deploy/settings.yaml': configMap('blue') }, 'settings');
    const gh = w.server as GitHubFake;
    for (let i = 0; i < 1000; i++)
      gh.statuses.push({
        id: 100_000 + i,
        sha,
        state: 'pending',
        context: w.context,
        description: 'someone else',
        target_url: null,
        created_at: new Date().toISOString(),
      });
    await w.ha.sync(w.fx.namespace);
    // pending is skipped (the newest is pending already); success is refused with 422 and given up on.
    expect(w.server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    expect(gh.statuses).toHaveLength(1000);
    expect(w.ha.reporter.state(w.fx.namespace)).toMatchObject({ ok: false, code: 'HOST_INVALID' });
    expect(w.ha.logs.filter((l) => l.includes('commit status not posted'))).toHaveLength(1);
    noToken(w);
  });
});
