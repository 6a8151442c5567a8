// Issue 9's acceptance against a real Gitea, end to end: the agent runs as a process with a push webhook from
// Gitea and commit statuses back to it. A good push is applied within 2 s and its commit shows `pending`, then
// `success`; a bad commit shows `failure` naming file and line and changes nothing; its revert shows `success`
// and leaves the cluster as before. Statuses are read back through Gitea's own API.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type LogLine } from '../../support/agent-process.ts';
import { apiRequest, eventually } from '../../support/cluster.ts';
import { useCleanups } from '../../support/cleanups.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { giteaAgentConfig } from '../../support/gitea-agent.ts';
import { startGitea, type Gitea, type GiteaStatus } from '../../support/gitea.ts';

const HOOK_SECRET = 'acceptance-hook-secret-Wq81';
const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
// Line 5 opens a flow sequence that never closes; the parser reports it at line 6, where the file ends.
const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: [unclosed\n';

let gitea: Gitea;
let secrets: string;
const { defer } = useCleanups();

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
  secrets = await mkdtemp(join(tmpdir(), 'gitops-acceptance-secrets-'));
  await writeFile(join(secrets, 'hook'), HOOK_SECRET);
  await writeFile(join(secrets, 'token'), `${gitea.admin.token}\n`);
});

afterAll(async () => {
  await gitea?.stop();
  await rm(secrets, { recursive: true, force: true });
});

async function live(ns: string): Promise<Record<string, string | undefined>> {
  const value = async (name: string) =>
    ((await getLive('configmap', name, ns))?.data as Record<string, string> | undefined)?.['value'];
  return { app: await value('app'), extra: await value('extra'), broken: await value('broken') };
}

// One raw API read (a few ms), not kubectl (hundreds under load), so the push → applied figure is honest.
async function appValue(ns: string): Promise<string | undefined> {
  const res = await apiRequest('GET', `/api/v1/namespaces/${ns}/configmaps/app`);
  return res.status === 200 ? (res.json as { data?: Record<string, string> }).data?.['value'] : undefined;
}

// Gitea lists every status of the commit newest first; oldest first reads as the story of the commit.
async function story(repo: string, sha: string, context: string): Promise<GiteaStatus[]> {
  return (await gitea.statuses(repo, sha)).filter((s) => s.context === context).reverse();
}

async function finalStory(repo: string, sha: string, context: string): Promise<GiteaStatus[]> {
  return eventually(
    `a final status on ${sha.slice(0, 8)}`,
    async () => {
      const s = await story(repo, sha, context);
      return s.length > 0 && s.at(-1)!.status !== 'pending' ? s : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

describe('the Gitea end-to-end acceptance', () => {
  it('push → applied at once, pending then success; bad commit → failure with file and line; revert → success', async () => {
    const ns = await createTestNamespace('accept-gitea');
    defer(() => ns.cleanup());
    const repo = await gitea.createRepo(ns.name);
    const base = await repo.commit({ 'deploy/app.yaml': cm('app', 'v1') }, 'base');
    const context = `gitops-agent/test/${ns.name}`;
    const agent = await startAgent(
      giteaAgentConfig({ gitea, secrets, namespace: ns.name, repoUrl: repo.url, host: 'statuses' }),
    );
    defer(() => agent.dispose());
    const synced = (sha: string) => (l: LogLine) =>
      l.target === ns.name && l.revision === sha && typeof l.outcome === 'string';
    await agent.waitForLog('the first sync', synced(base));
    expect((await finalStory(repo.fullName, base, context)).map((s) => s.status)).toEqual([
      'pending',
      'success',
    ]);
    await gitea.addWebhook(repo.fullName, {
      url: `http://127.0.0.1:${agent.port}/hooks/gitea`,
      secret: HOOK_SECRET,
    });

    // A good push: applied within 2 s, then pending → success with the agent's context on that commit.
    const pushed = performance.now();
    const good = await repo.commit(
      { 'deploy/app.yaml': cm('app', 'v2'), 'deploy/extra.yaml': cm('extra', 'x') },
      'good',
    );
    await eventually('v2 applied', async () => (await appValue(ns.name)) === 'v2', {
      timeoutMs: 30_000,
      intervalMs: 25,
    });
    const appliedMs = performance.now() - pushed;
    console.log(`push → applied ${appliedMs.toFixed(0)} ms`);
    expect(appliedMs).toBeLessThan(2_000);
    const goodStory = await finalStory(repo.fullName, good, context);
    expect(goodStory.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(goodStory[1]!.description).toMatch(/1 created, 1 configured/);
    const before = await live(ns.name);
    expect(before).toEqual({ app: 'v2', extra: 'x', broken: undefined });

    // A bad commit: it would change app and remove extra, but one file does not parse; nothing is applied.
    const bad = await repo.commit(
      { 'deploy/app.yaml': cm('app', 'v3'), 'deploy/extra.yaml': null, 'deploy/broken.yaml': BROKEN },
      'bad',
    );
    const badStory = await finalStory(repo.fullName, bad, context);
    expect(badStory.map((s) => s.status)).toEqual(['pending', 'failure']);
    expect(badStory[1]!.description).toMatch(/^deploy\/broken\.yaml:6 \(document 1\): YAML syntax error/);
    expect(await live(ns.name)).toEqual(before);

    // git revert of the bad commit, pushed: success on the revert commit, and the cluster as before.
    const reverted = await repo.revert(bad);
    const revertStory = await finalStory(repo.fullName, reverted, context);
    expect(revertStory.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(await live(ns.name)).toEqual(before);
    // The bad commit keeps its failure; the good one its success.
    expect((await story(repo.fullName, bad, context)).at(-1)?.status).toBe('failure');
    expect((await story(repo.fullName, good, context)).at(-1)?.status).toBe('success');
    // Every sync after the first was started by a webhook, none by the hour-long interval.
    const reasons = agent
      .logs()
      .filter((l) => l.msg === 'sync started')
      .map((l) => l.reason);
    expect(reasons).toEqual(['start', 'webhook', 'webhook', 'webhook']);
    // No token or hook secret in any log line or status.
    const everything = [
      ...agent.rawLines,
      ...[...goodStory, ...badStory, ...revertStory].map((s) => JSON.stringify(s)),
    ];
    expect(everything.filter((l) => l.includes(gitea.admin.token) || l.includes(HOOK_SECRET))).toEqual([]);
  });
});
