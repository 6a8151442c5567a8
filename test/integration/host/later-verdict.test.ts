// Issue 9: "when a later health check of the same commit changes the verdict, the status on that commit
// follows". A commit synced healthy goes red without a new commit (a ResourceQuota made outside Git stops its
// pod from being re-created), then green again when the quota goes; every post is on that one commit.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, kubectl } from '../../support/cluster.ts';
import { hostTarget, startHostAgent } from '../../support/host-agent.ts';
import { startGitHub } from '../../support/hosts/github.ts';
import { useSyncFixtures } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0.0
`;

describe('a later health check of the same commit', () => {
  it('moves the status on that commit: success, then failure with the cause, then success again', async () => {
    const fx = await suite.fixture('later');
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-later-'));
    const file = join(dir, 'token');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    const server = await startGitHub({ token, repository: 'acme/deploy' });
    const ha = await startHostAgent([
      hostTarget(
        fx,
        {
          provider: 'github',
          apiUrl: `${server.url}/api/v3`,
          repository: 'acme/deploy',
          token: { file },
        },
        { healthTimeoutSeconds: 30, healthFailureGraceSeconds: 1 },
      ),
    ]);
    suite.onCleanup(async () => {
      await ha.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const sha = await fx.repo.commit({ 'deploy/web.yaml': deployment }, 'web');
    const posts = () =>
      server.requests
        .filter((r) => r.method === 'POST')
        .map((r) => ({ path: r.path, ...(r.body as { state: string; description: string }) }));

    expect((await ha.sync(fx.namespace)).outcome).toBe('synced');
    expect(posts().at(-1)).toMatchObject({ state: 'success', description: '1 created, 1/1 healthy' });

    // Outside Git: no pod may be created in the namespace, and the running one goes. Same commit, next check.
    const ns = ['-n', fx.namespace];
    await kubectl(['create', 'quota', 'no-pods', '--hard=pods=0', ...ns]);
    await kubectl(['delete', 'pods', '-l', 'app=web', '--wait=true', ...ns]);
    await eventually('the Deployment to lose its available pod', async () => {
      const available = await kubectl([
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.status.availableReplicas}',
        ...ns,
      ]);
      return available.trim() === '' || available.trim() === '0';
    });
    server.clear();
    const red = await ha.sync(fx.namespace);
    expect(red.outcome).toBe('unhealthy');
    expect(posts()).toEqual([
      expect.objectContaining({
        path: `/api/v3/repos/acme/deploy/statuses/${sha}`,
        state: 'failure',
        description: expect.stringMatching(/^Deployment\/web: .*(FailedCreate|exceeded quota)/),
      }),
    ]);

    // The quota goes; the ReplicaSet creates the pod again and the same commit turns green.
    await kubectl(['delete', 'quota', 'no-pods', ...ns]);
    await eventually(
      'the Deployment to have its pod again',
      async () =>
        (
          await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}', ...ns])
        ).trim() === '1',
      { timeoutMs: 60_000 },
    );
    server.clear();
    const green = await ha.sync(fx.namespace);
    expect(green.outcome).toBe('synced');
    expect(posts()).toEqual([
      expect.objectContaining({
        path: `/api/v3/repos/acme/deploy/statuses/${sha}`,
        state: 'success',
        description: 'unchanged, 1/1 healthy',
      }),
    ]);
    expect(ha.logs.join('')).not.toContain(token);
  });
});
