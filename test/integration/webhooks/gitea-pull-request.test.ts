// A real Gitea's pull-request webhooks, read by the receiver: opening a pull request into a followed branch and
// pushing to its head reach onPullRequest with the head commit and the base branch, and start no sync.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksSchema } from '../../../src/agent/config-webhooks.ts';
import { createMetrics } from '../../../src/agent/metrics.ts';
import { Readiness } from '../../../src/agent/readiness.ts';
import { startServer, type AgentServer } from '../../../src/agent/server.ts';
import { WebhookReceiver, type PullRequestDelivery } from '../../../src/agent/webhooks/receiver.ts';
import { eventually } from '../../support/cluster.ts';
import { startGitea, type Gitea } from '../../support/gitea.ts';

const SECRET = 'pull-request-hook-secret';
let gitea: Gitea;
let dir: string;
let server: AgentServer;
const pulls: PullRequestDelivery[] = [];
const triggered: string[] = [];
let repoUrl = '';

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
  dir = await mkdtemp(join(tmpdir(), 'gitops-webhook-pr-'));
  await writeFile(join(dir, 'secret'), SECRET);
  const metrics = createMetrics({ cluster: 'c' });
  const receiver = new WebhookReceiver({
    settings: webhooksSchema.parse({ receivers: [{ provider: 'gitea', secretFile: join(dir, 'secret') }] }),
    // The agent's side, reduced to what the receiver asks of it: one target following main of the repository.
    sink: () => ({
      targets: () => ['web'],
      targetConfig: () => ({ target: { url: repoUrl, ref: 'main' } }),
      trigger: (t) => triggered.push(t) > 0,
    }),
    onPullRequest: (e) => pulls.push(e),
    registry: metrics.registry,
    log: pino({ level: 'silent' }),
  });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    readiness: new Readiness(),
    handle: receiver.handle.bind(receiver),
  });
});

afterAll(async () => {
  await server?.close();
  await gitea?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a real Gitea's pull-request webhooks", () => {
  it('reach onPullRequest with head commit and base branch, opened then updated, and sync nothing', async () => {
    const repo = await gitea.createRepo('previews');
    repoUrl = repo.url;
    const base = await repo.commit({ 'deploy/a.yaml': 'a: 1\n' }, 'base');
    const head = await repo.commit({ 'deploy/a.yaml': 'a: 2\n' }, 'change');
    const next = await repo.commit({ 'deploy/a.yaml': 'a: 3\n' }, 'more');
    // main back to base; the two commits become the feature branch, one at a time.
    await repo.forcePush(base);
    await repo.branch('feature', head);
    await gitea.addWebhook(repo.fullName, {
      url: `http://127.0.0.1:${server.port}/hooks/gitea`,
      secret: SECRET,
      events: ['pull_request'],
    });
    const pr = await gitea.api<{ number: number }>('POST', `/repos/${repo.fullName}/pulls`, {
      head: 'feature',
      base: 'main',
      title: 'change a',
    });
    const opened = await eventually('the opened event', async () => pulls.find((p) => p.action === 'opened'));
    expect(opened).toMatchObject({
      provider: 'gitea',
      number: pr.number,
      headSha: head,
      headRef: 'feature',
      baseRef: 'main',
      targets: ['web'],
    });
    expect(opened.deliveryId).toMatch(/^[0-9a-f-]{36}$/);

    // A new commit on the head branch: Gitea sends `synchronized`, read as an update of the same request.
    await repo.branch('feature', next);
    const updated = await eventually('the updated event', async () =>
      pulls.find((p) => p.action === 'updated'),
    );
    expect(updated).toMatchObject({ number: pr.number, headSha: next, baseRef: 'main' });
    expect(triggered).toEqual([]);
  });
});
