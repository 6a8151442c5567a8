// How failures are classified and reported: network failures during apply, a misspelt field, a failing
// source stage, the diff of a new Job, and a path written with `.` and double slashes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Kube } from '../../../src/kube/objects.ts';
import { reconcile } from '../../../src/sync/reconcile.ts';
import { actions, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubeconfigPath } from '../../support/cluster.ts';

const suite = useSyncFixtures();

const configMap = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { a: "1" }\n`;

/** A TCP pass-through to the API server that can be cut: every socket closed, new connections refused. */
async function cuttableProxy(): Promise<{ kubeconfig: string; cut: () => void; close: () => Promise<void> }> {
  const config = parse(await readFile(kubeconfigPath(), 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  const upstream = new URL(config.clusters[0]!.cluster.server);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'gitops-proxy-'));
  for (const c of config.clusters)
    c.cluster.server = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, stringify(config));
  return {
    kubeconfig,
    cut: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      server.close();
      for (const s of sockets) s.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('failure classification', () => {
  it('reports a network failure during apply as retryable', async () => {
    const fx = await suite.fixture('net-apply');
    await fx.repo.commit({ 'deploy/a.yaml': configMap('a'), 'deploy/b.yaml': configMap('b') }, 'two');
    const proxy = await cuttableProxy();
    suite.onCleanup(() => proxy.close());
    const kube = Kube.load(proxy.kubeconfig);
    const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-cache-'));
    suite.onCleanup(() => rm(cacheDir, { recursive: true, force: true }));
    try {
      const result = await reconcile(fx.target, {
        kube,
        cacheDir,
        version: 'test',
        onEvent: (e) => {
          if (e.type === 'stage-start' && e.stage === 'apply') proxy.cut();
        },
      });
      expect(result.outcome).toBe('failed');
      expect(result.error).toMatchObject({ stage: 'apply', retryable: true });
    } finally {
      kube.close();
    }
  });

  it('reports a misspelt field as a problem a retry cannot fix, and says nothing was applied', async () => {
    const fx = await suite.fixture('misspelt');
    await fx.repo.commit(
      {
        'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicass: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27 }] }
`,
      },
      'typo',
    );
    const result = await fx.sync();
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatchObject({ stage: 'plan', retryable: false });
    expect(result.error?.message).toMatch(/replicass/);

    const cli = await fx.cli('sync');
    expect(cli.code).toBe(2);
    expect(cli.stdout).toMatch(/^Error in plan:$/m);
    expect(cli.stdout).not.toMatch(/will retry/);
    expect(cli.stdout).not.toMatch(/no objects/);
    expect(cli.stdout).toMatch(/^ {2}nothing applied$/m);
  });
});

describe('messages', () => {
  it('a failing source stage prints how long it took', async () => {
    const fx = await suite.fixture('source-fail');
    await fx.repo.commit({ 'deploy/a.yaml': configMap('a') }, 'a');
    const cli = await fx.cli('sync', ['--ref', 'no-such-branch']);
    expect(cli.code).toBe(2);
    expect(cli.stdout).toMatch(/ref "no-such-branch" not found/);
    expect(cli.stdout).toMatch(/^Result: failed in \d+\.\ds \(source \d+ms\)$/m);
  });

  it('the diff of a Job to be created shows the manifest, not the dry-run’s generated fields', async () => {
    const fx = await suite.fixture('job-diff');
    await fx.repo.commit(
      {
        'deploy/job.yaml': `apiVersion: batch/v1
kind: Job
metadata: { name: once }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: c, image: busybox:1.36, command: ["true"] }]
`,
      },
      'job',
    );
    const planned = await fx.sync({ mode: 'diff' });
    expect(planned.error).toBeUndefined();
    const diff = planned.changes[0]?.diff ?? '';
    expect(diff).toContain('+kind: Job');
    expect(diff).toContain('+          image: busybox:1.36');
    expect(diff).not.toMatch(/controller-uid|job-name|uid:|creationTimestamp/);
  });
});

describe('target paths', () => {
  it.each(['./deploy/./', 'deploy/.', 'deploy//'])('%j syncs the manifests under deploy', async (path) => {
    const fx = await suite.fixture('paths');
    await fx.repo.commit({ 'deploy/a.yaml': configMap('a'), 'deploy/sub/b.yaml': configMap('b') }, 'two');
    const result = await fx.sync({}, { path });
    expect(result.error).toBeUndefined();
    expect(actions(result)).toEqual({ 'ConfigMap/a': 'created', 'ConfigMap/b': 'created' });
  });
});

describe('credentials in the repository URL', () => {
  it('never reach the result, whoever calls reconcile', async () => {
    const fx = await suite.fixture('url-creds');
    await fx.repo.commit({ 'deploy/a.yaml': configMap('a') }, 'a');
    const url = fx.repo.url.replace('http://', 'http://user:tok3n-XYZ@');
    const result = await fx.sync({}, { url });
    expect(result.outcome).toBe('synced');
    expect(result.url).toBe(fx.repo.url);
    expect(JSON.stringify(result)).not.toContain('tok3n-XYZ');
  });
});
