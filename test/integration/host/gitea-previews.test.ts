// Issue 9's pull-request acceptance against a real Gitea and `gitops-agent run` as a process: a pull request
// with a bad manifest gets a failing `…/preview` status (read back through Gitea's API) and the preview sends no
// write request to the API server; its fix turns the preview green; merged, it is deployed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type LogLine } from '../../support/agent-process.ts';
import { apiRequest, eventually } from '../../support/cluster.ts';
import { useCleanups } from '../../support/cleanups.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { startGitea, type Gitea, type GiteaStatus } from '../../support/gitea.ts';

const HOOK_SECRET = 'preview-hook-secret-Zt40';
// Everything but a read is a write: the kube client labels applies APPLY and Lease writes LEASE, not PATCH/PUT.
const READS = new Set(['GET', 'LIST', 'DISCOVERY', 'DRYRUN']);
const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: [unclosed\n';

let gitea: Gitea;
let secrets: string;
const { defer } = useCleanups();

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
  secrets = await mkdtemp(join(tmpdir(), 'gitops-preview-secrets-'));
  await writeFile(join(secrets, 'hook'), HOOK_SECRET);
  await writeFile(join(secrets, 'token'), `${gitea.admin.token}\n`);
});

afterAll(async () => {
  await gitea?.stop();
  await rm(secrets, { recursive: true, force: true });
});

async function appValue(ns: string): Promise<string | undefined> {
  const res = await apiRequest('GET', `/api/v1/namespaces/${ns}/configmaps/app`);
  return res.status === 200 ? (res.json as { data?: Record<string, string> }).data?.['value'] : undefined;
}

describe('pull-request previews on a real Gitea', () => {
  it('a bad manifest turns the pull request red with no write to the cluster; fixed it is green; merged it is deployed', async () => {
    const ns = await createTestNamespace('preview-gitea');
    defer(() => ns.cleanup());
    const repo = await gitea.createRepo(ns.name);
    // Every commit first, main then put back on the base: the head commits exist only on the feature branch.
    const base = await repo.commit({ 'deploy/app.yaml': cm('app', 'v1') }, 'base');
    const bad = await repo.commit(
      { 'deploy/app.yaml': cm('app', 'v2'), 'deploy/broken.yaml': BROKEN },
      'bad',
    );
    const fixed = await repo.commit({ 'deploy/broken.yaml': null }, 'fixed');
    await repo.forcePush(base);
    await repo.branch('feature', bad);
    const context = `gitops-agent/test/${ns.name}/preview`;
    const agent = await startAgent({
      agent: {
        cluster: 'test',
        listen: '127.0.0.1:0',
        webhooks: { receivers: [{ provider: 'gitea', secretFile: join(secrets, 'hook') }] },
      },
      targets: [
        {
          name: ns.name,
          repo: repo.url,
          path: 'deploy',
          namespace: ns.name,
          interval: '1h',
          healthTimeoutSeconds: 20,
          auth: { tokenFile: join(secrets, 'token'), username: gitea.admin.username },
          // No listing: only the pull-request webhook can explain a preview within the test.
          host: {
            provider: 'gitea',
            token: { file: join(secrets, 'token') },
            previews: { enabled: true, interval: '0s' },
          },
        },
      ],
    });
    defer(() => agent.dispose());
    await agent.waitForLog(
      'the first sync',
      (l) => l.target === ns.name && l.revision === base && typeof l.outcome === 'string',
    );
    await gitea.addWebhook(repo.fullName, {
      url: `http://127.0.0.1:${agent.port}/hooks/gitea`,
      secret: HOOK_SECRET,
      events: ['push', 'pull_request'],
    });
    const final = (sha: string) =>
      eventually(
        `a final preview status on ${sha.slice(0, 8)}`,
        async () => {
          const s = (await gitea.statuses(repo.fullName, sha)).filter((x) => x.context === context).reverse();
          return s.length > 0 && s.at(-1)!.status !== 'pending' ? s : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    const previewLine = (sha: string) => (l: LogLine) => l.head === sha && typeof l.state === 'string';

    // Opened with a bad manifest: red, naming the file and line; only reads and dry-runs reached the API server.
    const pr = await gitea.api<{ number: number }>('POST', `/repos/${repo.fullName}/pulls`, {
      head: 'feature',
      base: 'main',
      title: 'app v2',
    });
    const red: GiteaStatus[] = await final(bad);
    expect(red.map((s) => s.status)).toEqual(['pending', 'failure']);
    expect(red[1]!.description).toMatch(/^deploy\/broken\.yaml:6 \(document 1\): YAML syntax error/);
    const redLine = await agent.waitForLog('the red preview', previewLine(bad));
    expect(Object.keys(redLine.requests as Record<string, number>).filter((v) => !READS.has(v))).toEqual([]);
    expect(await appValue(ns.name)).toBe('v1');

    // The fix pushed to the head: green, saying what a merge would do; still nothing written.
    await repo.branch('feature', fixed);
    const green = await final(fixed);
    expect(green.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(green[1]!.description).toBe('would configure 1');
    const greenLine = await agent.waitForLog('the green preview', previewLine(fixed));
    const requests = greenLine.requests as Record<string, number>;
    expect(Object.keys(requests).filter((v) => !READS.has(v))).toEqual([]);
    expect(requests.DRYRUN).toBeGreaterThan(0);
    expect(await appValue(ns.name)).toBe('v1');

    // Merged: the push to main deploys it.
    await gitea.api('POST', `/repos/${repo.fullName}/pulls/${pr.number}/merge`, { Do: 'merge' });
    await eventually('v2 deployed', async () => (await appValue(ns.name)) === 'v2', {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(agent.rawLines.filter((l) => l.includes(gitea.admin.token) || l.includes(HOOK_SECRET))).toEqual(
      [],
    );
  });
});
