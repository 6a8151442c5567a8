// Pull-request previews against the GitHub contract server, the real control plane and Git server: an open pull
// request into the target's branch gets a `…/preview` status saying what a merge would do, and one comment with
// the diff (Secret values masked) updated in place on each new head; a bad manifest turns it red; the preview
// sends no write request to the API server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Previews, type PreviewDone } from '../../../src/agent/host/previews.ts';
import { Redactor } from '../../../src/agent/redact.ts';
import { Kube } from '../../../src/kube/objects.ts';
import { kubeconfigPath } from '../../support/cluster.ts';
import { useSyncFixtures } from '../../support/sync-fixture.ts';
import { hostTarget, startHostAgent } from '../../support/host-agent.ts';
import { startGitHub } from '../../support/hosts/github.ts';

const suite = useSyncFixtures();
const configMap = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${v}\n`;
const secret = (v: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: ${v}\n`;
// Everything but a read is a write: the kube client labels applies APPLY and Lease writes LEASE, not PATCH/PUT.
const READS = new Set(['GET', 'LIST', 'DISCOVERY', 'DRYRUN']);

describe('pull-request previews', () => {
  it('posts what a merge would do, comments the masked diff in place, fails on a bad manifest, and writes nothing to the cluster', async () => {
    const fx = await suite.fixture('preview');
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-preview-'));
    await writeFile(join(dir, 'token'), token);
    const gh = await startGitHub({ token, repository: 'acme/deploy' });
    const ha = await startHostAgent([
      hostTarget(fx, {
        provider: 'github',
        apiUrl: gh.url,
        repository: 'acme/deploy',
        token: { file: join(dir, 'token') },
        previews: { enabled: true, comment: true, interval: '1ms' },
      }),
    ]);
    const kube = Kube.load(kubeconfigPath());
    suite.onCleanup(async () => {
      await ha.stop();
      kube.close();
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    });
    const main = await fx.repo.commit(
      {
        'deploy/settings.yaml': configMap('blue'),
        'deploy/old.yaml': configMap('x').replace('settings', 'old'),
      },
      'base',
    );
    expect((await ha.sync(fx.namespace)).outcome).toBe('synced');

    // The pull request's branch: one object changed, one added (a Secret), one removed.
    const head1 = await fx.repo.commit(
      {
        'deploy/settings.yaml': configMap('green'),
        'deploy/creds.yaml': secret('hunter2-very-secret'),
        'deploy/old.yaml': null,
      },
      'feature',
    );
    await fx.repo.branch('feature', head1);
    await fx.repo.forcePush(main);
    gh.pulls.push({ number: 7, headSha: head1, headRef: 'feature', baseRef: 'main' });

    const previews = new Previews({
      kube,
      cacheDir: join(dir, 'git'),
      version: 'test',
      log: pino({ level: 'silent' }),
      redactor: new Redactor(),
      reporter: ha.reporter,
      targetConfig: (n) => ha.agent.targetConfig(n),
      targets: () => ha.agent.targets(),
    });
    const done: PreviewDone[] = [];
    previews.onDone((d) => done.push(d));
    const context = `gitops-agent/test/${fx.namespace}/preview`;
    const previewPosts = () =>
      gh.requests
        .filter((r) => r.method === 'POST' && (r.body as { context?: string }).context === context)
        .map((r) => r.body as { state: string; description: string });

    await previews.poll();
    await previews.idle();
    await ha.reporter.idle();
    expect(done).toHaveLength(1);
    expect(previewPosts()).toEqual([
      { state: 'pending', context, description: 'preview in progress' },
      { state: 'success', context, description: 'would create 1, configure 1, prune 1' },
    ]);
    // Nothing was written: only reads and dry-runs went to the API server, and the cluster is as before.
    expect(Object.keys(done[0]!.result.requests).filter((v) => !READS.has(v))).toEqual([]);
    const { methods, counts } = kube.client;
    expect(counts.DRYRUN).toBeGreaterThan(0);
    expect([methods.POST ?? 0, methods.PUT ?? 0, methods.DELETE ?? 0, methods.PATCH]).toEqual([
      0,
      0,
      0,
      counts.DRYRUN,
    ]);
    expect(
      await kube.client
        .request({ method: 'GET', path: `/api/v1/namespaces/${fx.namespace}/secrets/creds` })
        .catch((e: { status?: number }) => e.status),
    ).toBe(404);
    expect(gh.comments).toHaveLength(1);
    const first = gh.comments[0]!.body;
    expect(first).toContain('would create 1, configure 1, prune 1');
    expect(first).toContain('+  mode: green');
    expect(first).not.toContain('hunter2-very-secret');

    // The same head listed again: nothing new.
    await previews.poll();
    await previews.idle();
    expect(done).toHaveLength(1);

    // A new head with a bad manifest: the preview turns red, naming the file and line; the comment is updated in place.
    await fx.repo.forcePush(head1);
    const head2 = await fx.repo.commit({ 'deploy/broken.yaml': 'kind: [unclosed\n' }, 'broken');
    await fx.repo.branch('feature', head2);
    await fx.repo.forcePush(main);
    gh.pulls[0]!.headSha = head2;
    expect(
      previews.request(fx.namespace, { number: 7, headCommit: head2, headRef: 'feature', baseRef: 'main' }),
    ).toBe(true);
    await previews.idle();
    await ha.reporter.idle();
    expect(previewPosts().slice(2)).toEqual([
      { state: 'pending', context, description: 'preview in progress' },
      { state: 'failure', context, description: expect.stringMatching(/^deploy\/broken\.yaml:\d+/) },
    ]);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain('deploy/broken.yaml');

    // A pull request into another branch is not previewed.
    expect(
      previews.request(fx.namespace, { number: 8, headCommit: head2, headRef: 'x', baseRef: 'release' }),
    ).toBe(false);
    expect(JSON.stringify(gh.requests.map((r) => r.body)) + ha.logs.join('')).not.toContain(token);
  });
});
