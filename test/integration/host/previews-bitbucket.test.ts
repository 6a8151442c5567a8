// Pull-request previews for Bitbucket Cloud, whose pull-request webhook names the head by a 12-character hash,
// against the Bitbucket Cloud contract server, the real control plane and Git server: the head is resolved from
// the target's own remote and the `…/preview` status goes on the full commit; a prefix asked again is previewed
// once; a stale prefix (the branch moved on) posts nothing; the newer prefix is previewed on its full commit.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Previews, type PreviewDone } from '../../../src/agent/host/previews.ts';
import { Redactor } from '../../../src/agent/redact.ts';
import { bitbucketCloud } from '../../../src/agent/webhooks/providers/bitbucket.ts';
import { Kube } from '../../../src/kube/objects.ts';
import { bitbucketKey } from '../../../src/status/bitbucket.ts';
import type { PullRequest } from '../../../src/status/types.ts';
import { kubeconfigPath } from '../../support/cluster.ts';
import { useSyncFixtures } from '../../support/sync-fixture.ts';
import { hostTarget, startHostAgent } from '../../support/host-agent.ts';
import { startBitbucketCloud } from '../../support/hosts/bitbucket.ts';

const suite = useSyncFixtures();
const configMap = (name: string, v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  mode: ${v}\n`;

// What `gitops-agent run` hands to the previews for a `pullrequest:updated` delivery of Bitbucket Cloud.
function webhookPull(number: number, head: string): PullRequest {
  const body = {
    pullrequest: {
      id: number,
      source: { branch: { name: 'feature' }, commit: { hash: head.slice(0, 12) } },
      destination: { branch: { name: 'main' }, commit: { hash: 'a'.repeat(12) } },
    },
    repository: { links: { html: { href: 'https://bitbucket.org/acme/deploy' } } },
  };
  const req = { headers: { 'x-event-key': 'pullrequest:updated' }, body: Buffer.from(JSON.stringify(body)) };
  const e = bitbucketCloud.parse(req, bitbucketCloud.payload(req));
  if (e.kind !== 'pull-request') throw new Error(`not a pull-request event: ${JSON.stringify(e)}`);
  return { number: e.number, headCommit: e.headSha, headRef: e.headRef, baseRef: e.baseRef };
}

describe('pull-request previews on Bitbucket Cloud', () => {
  it('resolves the webhook’s 12-character head from the target’s remote and posts on the full commit', async () => {
    const fx = await suite.fixture('bb-preview');
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-bb-preview-'));
    await writeFile(join(dir, 'token'), token);
    const bb = await startBitbucketCloud({ token, repository: 'acme/deploy' });
    const ha = await startHostAgent([
      hostTarget(fx, {
        provider: 'bitbucket-cloud',
        apiUrl: `${bb.url}/2.0`,
        repository: 'acme/deploy',
        token: { file: join(dir, 'token') },
        previews: { enabled: true, interval: '0s' },
      }),
    ]);
    const kube = Kube.load(kubeconfigPath());
    suite.onCleanup(async () => {
      await ha.stop();
      kube.close();
      await bb.close();
      await rm(dir, { recursive: true, force: true });
    });
    const main = await fx.repo.commit({ 'deploy/settings.yaml': configMap('settings', 'blue') }, 'base');
    expect((await ha.sync(fx.namespace)).outcome).toBe('synced');

    const head1 = await fx.repo.commit(
      {
        'deploy/settings.yaml': configMap('settings', 'green'),
        'deploy/extra.yaml': configMap('extra', 'x'),
      },
      'feature',
    );
    await fx.repo.branch('feature', head1);
    await fx.repo.forcePush(main);

    const logs: string[] = [];
    const previews = new Previews({
      kube,
      cacheDir: join(dir, 'git'),
      version: 'test',
      log: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }),
      redactor: new Redactor(),
      reporter: ha.reporter,
      targetConfig: (n) => ha.agent.targetConfig(n),
      targets: () => ha.agent.targets(),
    });
    const done: PreviewDone[] = [];
    previews.onDone((d) => done.push(d));
    const key = bitbucketKey(`gitops-agent/test/${fx.namespace}/preview`);
    const previewPosts = () =>
      bb.requests
        .filter((r) => r.method === 'POST' && (r.body as { key?: string }).key === key)
        .map((r) => {
          const { state, description } = r.body as { state: string; description: string };
          return { path: r.path, state, description };
        });
    const statusPath = (sha: string) => `/2.0/repositories/acme/deploy/commit/${sha}/statuses/build`;

    const pull1 = webhookPull(5, head1);
    expect(pull1.headCommit).toBe(head1.slice(0, 12));
    expect(previews.request(fx.namespace, pull1)).toBe(true);
    await previews.idle();
    await ha.reporter.idle();
    expect(done.map((d) => d.pull.headCommit)).toEqual([head1]);
    expect(previewPosts()).toEqual([
      { path: statusPath(head1), state: 'INPROGRESS', description: 'preview in progress' },
      { path: statusPath(head1), state: 'SUCCESSFUL', description: 'would create 1, configure 1' },
    ]);
    expect(bb.statuses.filter((s) => s.key === key).map((s) => [s.sha, s.state])).toEqual([
      [head1, 'SUCCESSFUL'],
    ]);

    // The same delivery again, or the same head by its full hash: previewed once.
    expect(previews.request(fx.namespace, webhookPull(5, head1))).toBe(false);
    expect(previews.request(fx.namespace, { ...pull1, headCommit: head1 })).toBe(false);

    // The branch moves on: a late delivery of the old head (another pull request, never previewed) posts
    // nothing; the newer head's delivery is previewed on its full commit.
    await fx.repo.forcePush(head1);
    const head2 = await fx.repo.commit({ 'deploy/more.yaml': configMap('more', 'two') }, 'more');
    await fx.repo.branch('feature', head2);
    await fx.repo.forcePush(main);
    expect(previews.request(fx.namespace, webhookPull(6, head1))).toBe(true);
    await previews.idle();
    await ha.reporter.idle();
    expect(previewPosts()).toHaveLength(2);
    expect(logs.join('')).toContain(
      `preview skipped: pull request #6 names head ${head1.slice(0, 12)} on branch feature, which points at ${head2} now`,
    );
    expect(previews.request(fx.namespace, webhookPull(5, head2))).toBe(true);
    await previews.idle();
    await ha.reporter.idle();
    expect(previewPosts().slice(2)).toEqual([
      { path: statusPath(head2), state: 'INPROGRESS', description: 'preview in progress' },
      { path: statusPath(head2), state: 'SUCCESSFUL', description: 'would create 2, configure 1' },
    ]);
    // A late redelivery of pull request 5's old head, after its new head was previewed: skipped, and the new
    // head's record kept, so its next delivery (a title edit) is not previewed again.
    expect(previews.request(fx.namespace, webhookPull(5, head1))).toBe(true);
    await previews.idle();
    expect(previews.request(fx.namespace, webhookPull(5, head2))).toBe(false);
    expect(previewPosts()).toHaveLength(4);
    expect(JSON.stringify(bb.requests.map((r) => r.body)) + ha.logs.join('') + logs.join('')).not.toContain(
      token,
    );
  });
});
