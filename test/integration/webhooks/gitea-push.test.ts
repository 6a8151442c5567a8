// A push to a real Gitea reaches the agent as Gitea's own signed webhook and is applied at once: the agent
// runs as a process with an interval of an hour, so only the webhook can explain a sync within 2 s.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';
import { useCleanups } from '../../support/cleanups.ts';
import { apiRequest, eventually } from '../../support/cluster.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { parsePromText } from '../../support/prom-text.ts';
import { giteaAgentConfig } from '../../support/gitea-agent.ts';
import { startGitea, type Gitea } from '../../support/gitea.ts';

const HOOK_SECRET = 'gitea-hook-secret-5Fq2';
const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\ndata:\n  value: "${value}"\n`;

let gitea: Gitea;
let secrets: string;
const { defer } = useCleanups();

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
  secrets = await mkdtemp(join(tmpdir(), 'gitops-webhook-secrets-'));
  await writeFile(join(secrets, 'hook'), `${HOOK_SECRET}\n`);
  await writeFile(join(secrets, 'token'), gitea.admin.token);
});

afterAll(async () => {
  await gitea?.stop();
  await rm(secrets, { recursive: true, force: true });
});

// One raw API read (a few ms), not kubectl (hundreds under load), so the push → applied figure is honest.
async function liveValue(ns: string): Promise<string | undefined> {
  const res = await apiRequest('GET', `/api/v1/namespaces/${ns}/configmaps/pushed`);
  return res.status === 200 ? (res.json as { data?: Record<string, string> }).data?.['value'] : undefined;
}

const synced = (target: string, revision: string) => (l: LogLine) =>
  l.target === target && l.outcome === 'synced' && l.revision === revision;

describe('a push webhook from a real Gitea', () => {
  it('syncs the pushed commit at once: under 2 s from push to applied', async () => {
    const ns = await createTestNamespace('webhook-gitea');
    defer(() => ns.cleanup());
    const repo = await gitea.createRepo(ns.name);
    const first = await repo.commit({ 'deploy/cm.yaml': cm('one') }, 'first');
    const agent: AgentProcess = await startAgent(
      giteaAgentConfig({ gitea, secrets, namespace: ns.name, repoUrl: repo.url }),
    );
    defer(() => agent.dispose());
    await agent.waitForLog('the first sync', synced(ns.name, first));
    expect(await liveValue(ns.name)).toBe('one');
    const hookUrl = `http://127.0.0.1:${agent.port}/hooks/gitea`;
    await gitea.addWebhook(repo.fullName, { url: hookUrl, secret: HOOK_SECRET });
    // A second hook signing with the wrong secret: its delivery of the same push must be refused.
    await gitea.addWebhook(repo.fullName, { url: hookUrl, secret: 'not-the-agents-secret' });

    const from = agent.rawLines.length;
    const pushed = performance.now();
    const second = await repo.commit({ 'deploy/cm.yaml': cm('two') }, 'second');
    const pushMs = performance.now() - pushed;
    let appliedMs = Number.POSITIVE_INFINITY;
    while (performance.now() - pushed < 30_000) {
      if ((await liveValue(ns.name)) === 'two') {
        appliedMs = performance.now() - pushed;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    console.log(`push took ${pushMs.toFixed(0)} ms; push → applied ${appliedMs.toFixed(0)} ms`);
    const started = await agent.waitForLog(
      'the webhook sync',
      (l) => l.msg === 'sync started' && l.reason === 'webhook',
      { from },
    );
    expect(started.target).toBe(ns.name);
    await agent.waitForLog('the second sync', synced(ns.name, second), { from });
    expect(appliedMs).toBeLessThan(2_000);

    const deliveries = async (result: string) => {
      const family = parsePromText((await agent.http('/metrics')).body).get(
        'gitops_webhook_deliveries_total',
      );
      return family?.samples.find((s) => s.labels['provider'] === 'gitea' && s.labels['result'] === result)
        ?.value;
    };
    await eventually(
      'the forged delivery to be refused',
      async () => (await deliveries('unauthorized')) === 1,
    );
    expect(await deliveries('triggered')).toBe(1);
    // Only the one webhook sync ran: the refused delivery started none.
    expect(
      agent
        .logs()
        .slice(from)
        .filter((l) => l.msg === 'sync started'),
    ).toHaveLength(1);
    // Neither the hook secret nor the Gitea token reached a log line.
    expect(agent.rawLines.filter((l) => l.includes(HOOK_SECRET) || l.includes(gitea.admin.token))).toEqual(
      [],
    );
  });
});
