// The Git host's refusal where people look: the status annotation on the inventory parent and `gitops-agent
// status` (the real CLI) show it, against the GitHub contract server with the agent in-process on the real
// control plane; a rewritten token file turns it back to ok, and a refusal that comes after the sync is written
// without another sync. No token shows in either, even when the host echoes it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { STATUS_ANNOTATION, type TargetStatus } from '../../../src/agent/target-status.ts';
import { eventually, kubeconfigPath } from '../../support/cluster.ts';
import { startAgent } from '../../support/agent-process.ts';
import { hostTarget, startHostAgent, type HostAgent } from '../../support/host-agent.ts';
import type { GitHubFake } from '../../support/hosts/github.ts';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { HOSTS } from './cases.ts';

const suite = useSyncFixtures();
const github = HOSTS.find((h) => h.name === 'github-enterprise')!;
const settings = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${v}\n`;

interface World {
  fx: SyncFixture;
  ha: HostAgent;
  server: GitHubFake;
  token: string;
  tokenFile: string;
}

async function world(configured: 'right' | 'wrong', wrong = ''): Promise<World> {
  const fx = await suite.fixture('host-state');
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'gitops-host-state-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, configured === 'right' ? token : wrong);
  const { server, host } = await github.start(token);
  const ha = await startHostAgent([hostTarget(fx, { ...host, token: { file: tokenFile } })]);
  suite.onCleanup(async () => {
    await ha.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { fx, ha, server: server as GitHubFake, token, tokenFile };
}

async function annotation(fx: SyncFixture): Promise<{ text: string; status: TargetStatus }> {
  const live = await fx.kube.get('v1', 'ConfigMap', fx.namespace, `gitops-agent.${fx.namespace}`);
  const text = live?.metadata.annotations?.[STATUS_ANNOTATION] ?? '{}';
  return { text, status: JSON.parse(text) as TargetStatus };
}

/** The annotation once its `host` says `want` (`ok` or a refusal's code). */
function hostShows(fx: SyncFixture, want: string): Promise<{ text: string; status: TargetStatus }> {
  return eventually(`the status annotation's host to say ${want}`, async () => {
    const a = await annotation(fx);
    const host = a.status.host;
    return host && (host.ok ? 'ok' : host.code) === want && a;
  });
}

/**
 * GitHub's cap: 1,000 statuses of the commit in the target's context, the newest pending. The agent's pending is
 * found unchanged (ok); its verdict, posted only once the sync is done, is refused with 422.
 */
function fillContext(server: GitHubFake, sha: string, target: string): void {
  for (let i = 0; i < 1000; i++)
    server.statuses.push({
      id: 100_000 + i,
      sha,
      state: 'pending',
      context: `gitops-agent/test/${target}`,
      description: 'someone else',
      target_url: null,
      created_at: new Date().toISOString(),
    });
}

const run = promisify(execFile);
async function statusCli(w: World, ...extra: string[]): Promise<string> {
  const args = ['bin/gitops-agent.mjs', 'status', '--namespace', w.fx.namespace];
  const { stdout } = await run(process.execPath, [...args, '--kubeconfig', kubeconfigPath(), ...extra]);
  return stdout;
}

describe("the Git host's refusal in the target's status", () => {
  it('shows a refused token in the annotation and gitops-agent status, and ok once the token file is rewritten', async () => {
    const wrong = `ghp_${randomBytes(18).toString('hex')}`;
    const w = await world('wrong', wrong);
    await w.fx.repo.commit({ 'deploy/settings.yaml': settings('blue') }, 'settings');
    // The host echoes the token it was sent in its refusal.
    w.server.force({ status: 401, body: { message: `Bad credentials: ${wrong}` } });
    const first = await w.ha.sync(w.fx.namespace);
    expect(first.outcome).toBe('synced');

    const refused = await hostShows(w.fx, 'HOST_UNAUTHORIZED');
    expect(refused.status).toMatchObject({ outcome: 'synced', host: { ok: false } });
    expect(refused.status.host).toHaveProperty('message', expect.stringContaining('HTTP 401'));
    expect(refused.text).toContain('Bad credentials: ***');
    const table = await statusCli(w);
    const [head, row, note] = table.trimEnd().split('\n');
    expect(head).toMatch(/\bREADY\s+HOST\s+MESSAGE\b/);
    expect(row).toMatch(
      new RegExp(
        `^${w.fx.namespace}\\s+${w.fx.namespace}\\s+.*\\s+True\\s+refused: HOST_UNAUTHORIZED\\s+applied revision`,
      ),
    );
    expect(note).toMatch(
      /^ {2}host refused the commit statuses: GET \/repos\/\{owner\}\/\{repo\}\/commits\/\{ref\}\/status: HTTP 401: Bad credentials: \*\*\*$/,
    );
    const rows = JSON.parse(await statusCli(w, '--output', 'json')) as { status?: TargetStatus }[];
    expect(rows[0]?.status?.host).toMatchObject({ ok: false, code: 'HOST_UNAUTHORIZED' });
    for (const seen of [refused.text, table, JSON.stringify(rows)]) {
      expect(seen).not.toContain(wrong);
      expect(seen).not.toContain(w.token);
    }
    expect(w.server.statuses).toHaveLength(0);

    // The token file is read at every post: the next sync's statuses go through.
    await writeFile(w.tokenFile, w.token);
    await w.ha.sync(w.fx.namespace);
    const fixed = await hostShows(w.fx, 'ok');
    expect(fixed.status.host).toEqual({ ok: true, at: expect.any(String) });
    expect(w.server.statuses.map((s) => s.state)).toEqual(['pending', 'success']);
    const after = await statusCli(w);
    expect(after).toMatch(/\s+True\s+ok\s+applied revision/);
    expect(after).not.toContain('refused');
  });

  it('writes a refusal that comes after the sync without waiting for the next sync', async () => {
    const w = await world('right');
    const sha = await w.fx.repo.commit({ 'deploy/settings.yaml': settings('blue') }, 'settings');
    fillContext(w.server, sha, w.fx.namespace);
    const done = await w.ha.sync(w.fx.namespace);
    expect(done.outcome).toBe('synced');
    // The verdict is posted after the sync wrote its status, so that status cannot hold the refusal.
    expect(done.status.host?.ok).not.toBe(false);
    const late = await hostShows(w.fx, 'HOST_INVALID');
    expect(late.status.host).toHaveProperty('message', expect.stringContaining('HTTP 422'));
    // The same sync's status, rewritten with the host's answer: no other sync ran.
    expect(late.status.lastAttemptAt).toBe(done.status.lastAttemptAt);
    expect(w.ha.events.filter((e) => e.type === 'sync-done')).toHaveLength(1);
    expect(await statusCli(w)).toContain('refused: HOST_INVALID');
  });

  it('is wired the same in gitops-agent run: the late refusal reaches the annotation of a real agent process', async () => {
    const fx = await suite.fixture('host-state-run');
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-host-state-'));
    await writeFile(join(dir, 'token'), token);
    const { server, host } = await github.start(token);
    suite.onCleanup(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const sha = await fx.repo.commit({ 'deploy/settings.yaml': settings('blue') }, 'settings');
    fillContext(server as GitHubFake, sha, fx.namespace);
    const agent = await startAgent({
      agent: { cluster: 'test', listen: '127.0.0.1:0' },
      targets: [
        {
          name: fx.namespace,
          repo: fx.repo.url,
          path: 'deploy',
          namespace: fx.namespace,
          interval: '1h',
          host: { ...host, token: { file: join(dir, 'token') } },
        },
      ],
    });
    suite.onCleanup(() => agent.dispose());
    const late = await hostShows(fx, 'HOST_INVALID');
    expect(late.status).toMatchObject({ outcome: 'synced', lastAttemptedRevision: sha });
    expect(agent.logs().filter((l) => l.msg === 'commit status not posted')).toHaveLength(1);
    expect(agent.rawLines.join('\n')).not.toContain(token);
    expect((await agent.stop()).code).toBe(0);
  });
});
