// Commit statuses end to end for each of the six hosts: the agent in-process against the real control plane and
// Git server, each host played by a server following its documented REST contract. For every host the exact
// requests of a sync that succeeds, one that does not render, one that is unhealthy and one with the API server
// gone (all six at once: the agent waits a minute for its sync Lease before it gives up); a re-check of the same
// commit that changes the verdict moves the status, one that does not sends nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KWOK_IMAGES } from '../../cluster/control-plane.ts';
import { useSyncFixtures } from '../../support/sync-fixture.ts';
import { hostTarget, startHostAgent } from '../../support/host-agent.ts';
import type { ContractServer, RecordedRequest } from '../../support/hosts/server.ts';
import { HOSTS, TARGET_URL, type HostCase, type Wire } from './cases.ts';

const suite = useSyncFixtures();

const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: blue\n`;
const badYaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n`;
const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;

function wire(r: RecordedRequest): Wire {
  return r.method === 'GET'
    ? { method: r.method, path: r.path }
    : { method: r.method, path: r.path, body: r.body };
}

/** Checks the auth and host headers of every request, and that the token is nowhere else. */
function checkHeaders(host: HostCase, server: ContractServer, token: string): void {
  const [name, value] = host.auth(token);
  for (const r of server.requests) {
    expect(r.headers[name], `${r.method} ${r.path}`).toBe(value);
    for (const [h, re] of Object.entries(host.headers ?? {})) expect(r.headers[h]).toMatch(re);
    expect(JSON.stringify(r.body ?? '')).not.toContain(token);
    expect(r.path).not.toContain(token);
  }
}

async function tokenFile(token: string): Promise<{ file: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-host-token-'));
  const file = join(dir, 'token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { file, dispose: () => rm(dir, { recursive: true, force: true }) };
}

describe.each(HOSTS)('commit statuses on $name', (host) => {
  it('pending then the verdict on each synced commit: success, render failure, unhealthy, a re-check', async () => {
    const fx = await suite.fixture(`st-${host.name.slice(0, 6)}`);
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const tf = await tokenFile(token);
    const { server, host: hostKey } = await host.start(token);
    const ha = await startHostAgent([
      hostTarget(
        fx,
        { ...hostKey, token: { file: tf.file }, targetUrl: TARGET_URL },
        { healthTimeoutSeconds: 60, healthFailureGraceSeconds: 1 },
      ),
    ]);
    suite.onCleanup(async () => {
      await ha.stop();
      await server.close();
      await tf.dispose();
    });
    const context = `gitops-agent/test/${fx.namespace}`;
    const status = (state: 'pending' | 'success' | 'failure' | 'error', description: unknown) =>
      host.post('SHA', { state, context, description: description as string, targetUrl: TARGET_URL });
    const at = (w: Wire, sha: string) => ({ ...w, path: w.path.replace('SHA', sha) });

    // 1. A good commit: pending before rendering, then success with counts.
    const good = await fx.repo.commit({ 'deploy/settings.yaml': configMap }, 'settings');
    const first = await ha.sync(fx.namespace);
    expect(first.outcome).toBe('synced');
    expect(server.requests.map(wire)).toEqual([
      host.read(good, context),
      at(status('pending', 'sync in progress'), good),
      host.read(good, context),
      at(status('success', '1 created, 1/1 healthy'), good),
    ]);
    checkHeaders(host, server, token);

    // 2. A commit that does not render: failure naming the file and line; nothing applied.
    server.clear();
    const bad = await fx.repo.commit({ 'deploy/broken.yaml': badYaml }, 'broken');
    const second = await ha.sync(fx.namespace);
    expect(second.outcome).toBe('failed');
    expect(server.requests.map(wire)).toEqual([
      host.read(bad, context),
      at(status('pending', 'sync in progress'), bad),
      host.read(bad, context),
      at(status('failure', expect.stringMatching(/^deploy\/broken\.yaml:\d+/)), bad),
    ]);

    // 3. An unhealthy commit: failure naming the object and the kubelet's reason with the image.
    server.clear();
    const sick = await fx.repo.commit(
      { 'deploy/broken.yaml': null, 'deploy/web.yaml': deployment(KWOK_IMAGES.pullError) },
      'web',
    );
    const third = await ha.sync(fx.namespace);
    expect(third.outcome).toBe('unhealthy');
    expect(server.requests.map(wire)).toEqual([
      host.read(sick, context),
      at(status('pending', 'sync in progress'), sick),
      host.read(sick, context),
      at(
        status(
          'failure',
          expect.stringMatching(/^Deployment\/web: ImagePullBackOff registry\.invalid\/does-not-exist$/),
        ),
        sick,
      ),
    ]);

    // 4. The same commit checked again with the same verdict: no pending over it, and nothing posted; the
    // agent remembers what it posted, so the host is not even asked (two reads per target and interval would
    // reach GitHub's 5,000 requests an hour at 40 targets checked every minute).
    server.clear();
    await ha.sync(fx.namespace);
    expect(server.requests.map(wire)).toEqual([]);

    for (const r of server.requests) {
      const d = (r.body as { description?: string } | undefined)?.description;
      if (d !== undefined) expect([...d].length).toBeLessThanOrEqual(host.maxDescription);
    }
    checkHeaders(host, server, token);
    expect(ha.logs.join('')).not.toContain(token);
    expect(ha.reporter.state(fx.namespace)).toMatchObject({ ok: true });
  });
});

describe('commit statuses with the API server gone', () => {
  it('puts error on the commit each target last resolved, on all six hosts, and the verdict back when it returns', async () => {
    const worlds = await Promise.all(
      HOSTS.map(async (host) => {
        const fx = await suite.fixture(`down-${host.name.slice(0, 6)}`);
        const token = `tok-${randomBytes(12).toString('hex')}`;
        const tf = await tokenFile(token);
        const { server, host: hostKey } = await host.start(token);
        suite.onCleanup(async () => {
          await server.close();
          await tf.dispose();
        });
        const target = {
          name: fx.namespace,
          repo: fx.repo.url,
          path: 'deploy',
          namespace: fx.namespace,
          interval: '1h',
          host: { ...hostKey, token: { file: tf.file }, targetUrl: TARGET_URL },
        };
        return { host, fx, token, server, target, context: `gitops-agent/test/${fx.namespace}` };
      }),
    );
    const ha = await startHostAgent(
      worlds.map((w) => w.target),
      { proxy: true, concurrency: HOSTS.length },
    );
    suite.onCleanup(() => ha.stop());
    const shas = await Promise.all(
      worlds.map((w) => w.fx.repo.commit({ 'deploy/settings.yaml': configMap }, 'settings')),
    );
    await Promise.all(worlds.map((w) => ha.sync(w.fx.namespace)));
    for (const w of worlds) w.server.clear();

    await ha.apiServer(false);
    const down = await Promise.all(worlds.map((w) => ha.sync(w.fx.namespace)));
    await ha.apiServer(true);
    worlds.forEach((w, i) => {
      const sha = shas[i]!;
      const error = w.host.post(sha, {
        state: 'error',
        context: w.context,
        description: '',
        targetUrl: TARGET_URL,
      });
      expect(down[i]!.outcome, w.host.name).toBe('failed');
      expect(w.server.requests.map(wire), w.host.name).toEqual([
        w.host.read(sha, w.context),
        withDescription(error, expect.stringMatching(/^inventory: sync lock Lease .*: /)),
      ]);
      w.server.clear();
    });

    // Back: the same commit synced again, its verdict replaces the error and no pending goes over it. (Six targets
    // share the queue: a pending still waiting may be replaced by the verdict unread, so reads may be one or two.)
    await Promise.all(worlds.map((w) => ha.sync(w.fx.namespace)));
    worlds.forEach((w, i) => {
      const sha = shas[i]!;
      const success = w.host.post(sha, {
        state: 'success',
        context: w.context,
        description: 'unchanged, 1/1 healthy',
        targetUrl: TARGET_URL,
      });
      const sent = w.server.requests.map(wire);
      expect(sent.at(-1), w.host.name).toEqual(success);
      expect(sent.slice(0, -1), w.host.name).toEqual(
        Array.from({ length: sent.length - 1 }, () => w.host.read(sha, w.context)),
      );
      expect(sent.length, w.host.name).toBeLessThanOrEqual(3);
      expect(ha.logs.join('')).not.toContain(w.token);
    });
  });
});

/** A post with its description replaced by a matcher. */
function withDescription(w: Wire, description: unknown): Wire {
  const body = structuredClone(w.body) as Record<string, unknown>;
  body.description = description;
  return { ...w, body };
}
