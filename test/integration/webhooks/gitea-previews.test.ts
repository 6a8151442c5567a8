// Issue 9's pull-request acceptance against a real Gitea and `gitops-agent run`: Gitea's own pull-request
// webhooks ask for previews. A pull request with a bad manifest gets a failing `…/preview` status and the agent
// sends no write request to the API server; fixed, the preview turns green; merged, it is deployed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';
import { apiRequest, eventually } from '../../support/cluster.ts';
import { useCleanups } from '../../support/cleanups.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { parsePromText } from '../../support/prom-text.ts';
import { giteaAgentConfig } from '../../support/gitea-agent.ts';
import { startGitea, type Gitea, type GiteaStatus } from '../../support/gitea.ts';

const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: [unclosed\n';
const HOOK_SECRET = 'previews-hook-secret-Xy7';
const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  value: "${value}"\n`;
const service = (port: number) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: ${port}\n`;
// Requests that only read: everything else the agent sends is a write.
const READS = new Set(['GET', 'LIST', 'DISCOVERY', 'DRYRUN']);

let gitea: Gitea;
let secrets: string;
const { defer } = useCleanups();

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
  secrets = await mkdtemp(join(tmpdir(), 'gitops-previews-secrets-'));
  await writeFile(join(secrets, 'hook'), HOOK_SECRET);
  await writeFile(join(secrets, 'token'), gitea.admin.token);
});

afterAll(async () => {
  await gitea?.stop();
  await rm(secrets, { recursive: true, force: true });
});

// Kubernetes API requests the agent made so far, by verb label (`gitops_api_requests_total`).
async function requestsByVerb(agent: AgentProcess): Promise<Map<string, number>> {
  const family = parsePromText((await agent.http('/metrics')).body).get('gitops_api_requests_total');
  const byVerb = new Map<string, number>();
  for (const s of family?.samples ?? [])
    byVerb.set(s.labels['verb']!, (byVerb.get(s.labels['verb']!) ?? 0) + s.value);
  return byVerb;
}

function writesBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [verb, n] of after)
    if (!READS.has(verb) && n !== (before.get(verb) ?? 0)) out[verb] = n - (before.get(verb) ?? 0);
  return out;
}

describe('pull-request previews from a real Gitea', () => {
  it('a manifest that does not parse, then one the dry-run rejects, fail the preview with 0 writes to the API server; fixed it turns green; merged it is deployed', async () => {
    const ns = await createTestNamespace('previews-gitea');
    defer(() => ns.cleanup());
    const repo = await gitea.createRepo(ns.name);
    const base = await repo.commit({ 'deploy/app.yaml': cm('v1') }, 'base');
    const broken = await repo.commit({ 'deploy/broken.yaml': BROKEN }, 'add a manifest that does not parse');
    const bad = await repo.commit(
      { 'deploy/broken.yaml': null, 'deploy/web.yaml': service(99999) },
      'add web (bad port)',
    );
    const fixed = await repo.commit({ 'deploy/web.yaml': service(8080) }, 'fix the port');
    await repo.forcePush(base);
    const agent = await startAgent(
      giteaAgentConfig({
        gitea,
        secrets,
        namespace: ns.name,
        repoUrl: repo.url,
        // Previews come only from Gitea's webhooks here: no listing of pull requests.
        host: { previews: { enabled: true, interval: '0s' } },
      }),
    );
    defer(() => agent.dispose());
    const synced = (sha: string) => (l: LogLine) =>
      l.target === ns.name && l.revision === sha && l.outcome === 'synced';
    await agent.waitForLog('the first sync', synced(base));
    await gitea.addWebhook(repo.fullName, {
      url: `http://127.0.0.1:${agent.port}/hooks/gitea`,
      secret: HOOK_SECRET,
      events: ['push', 'pull_request'],
    });
    const context = `gitops-agent/test/${ns.name}/preview`;
    const preview = (sha: string) =>
      eventually(
        `a final preview status on ${sha.slice(0, 8)}`,
        async () => {
          const mine = (await gitea.statuses(repo.fullName, sha)).filter((s) => s.context === context);
          return mine[0] && mine[0].status !== 'pending' ? mine[0] : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );

    // The pull request opened with a manifest that does not parse: red, naming the file and line.
    const before = await requestsByVerb(agent);
    await repo.branch('feature', broken);
    const pr = await gitea.api<{ number: number }>('POST', `/repos/${repo.fullName}/pulls`, {
      head: 'feature',
      base: 'main',
      title: 'add web',
    });
    const unparsable: GiteaStatus = await preview(broken);
    expect(unparsable.status).toBe('failure');
    expect(unparsable.description).toMatch(/^deploy\/broken\.yaml:6 \(document 1\): YAML syntax error/);

    // Then a Service the API server's dry-run rejects: red again, and nothing but reads reached the API server.
    await repo.branch('feature', bad);
    const red: GiteaStatus = await preview(bad);
    const after = await requestsByVerb(agent);
    console.log(
      `red preview: ${red.description}; requests during it: ${JSON.stringify(Object.fromEntries([...after].map(([v, n]) => [v, n - (before.get(v) ?? 0)])))}`,
    );
    expect(red.status).toBe('failure');
    expect(red.description).toMatch(
      /^Service\/\S+\/web dry-run failed \(deploy\/web\.yaml:1\): .*spec\.ports\[0\]\.port: Invalid value: 99999/,
    );
    expect(writesBetween(before, after)).toEqual({});
    expect(after.get('DRYRUN') ?? 0).toBeGreaterThan(before.get('DRYRUN') ?? 0);
    expect((await apiRequest('GET', `/api/v1/namespaces/${ns.name}/services/web`)).status).toBe(404);

    // The fix pushed to the pull request's branch: green, saying what a merge would do.
    await repo.branch('feature', fixed);
    const green = await preview(fixed);
    expect([green.status, green.description]).toEqual(['success', 'would create 1']);
    expect((await apiRequest('GET', `/api/v1/namespaces/${ns.name}/services/web`)).status).toBe(404);

    // Merged: Gitea pushes main, the webhook syncs it, the Service is deployed.
    await gitea.api('POST', `/repos/${repo.fullName}/pulls/${pr.number}/merge`, { Do: 'merge' });
    const mainHead = await eventually('main to move', async () => {
      const branch = await gitea.api<{ commit: { id: string } }>(
        'GET',
        `/repos/${repo.fullName}/branches/main`,
      );
      return branch.commit.id !== base ? branch.commit.id : undefined;
    });
    await agent.waitForLog('the merge to be synced', synced(mainHead));
    const deployed = await apiRequest('GET', `/api/v1/namespaces/${ns.name}/services/web`);
    expect((deployed.json as { spec: { ports: { port: number }[] } }).spec.ports[0]!.port).toBe(8080);
  });
});
