// The image's layout, built by the script the Dockerfile runs (scripts/image-layout.sh) into a temporary
// directory: production dependencies only, `--version` as the image labels it, and `run` syncing a repository
// against the control plane and stopping on SIGTERM with exit 0.
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { startAgent } from '../../support/agent-process.ts';

const run = (cmd: string, args: string[], cwd?: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { cwd, timeout: 300_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

let server: GitServer;
let dir: string;
let app: string;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
  dir = await mkdtemp(join(tmpdir(), 'gitops-agent-image-'));
  app = join(dir, 'app');
  const laid = await run('bash', ['scripts/image-layout.sh', app]);
  if (laid.code !== 0) throw new Error(`image-layout.sh failed: ${laid.stderr}`);
  expect(laid.stdout.trim()).toBe(app);
}, 300_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the image layout (scripts/image-layout.sh)', () => {
  it('holds the app and its production dependencies only', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies))
      expect(await exists(join(app, 'node_modules', dep))).toBe(true);
    // A devDependency is installed only where a production dependency needs it too (the lockfile says which).
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev);
    expect(devOnly).toContain('vitest');
    for (const dep of devOnly)
      expect({ dep, present: await exists(join(app, 'node_modules', dep)) }).toEqual({ dep, present: false });
    for (const absent of ['test', 'docs', 'scripts', 'charts', '.git'])
      expect({ absent, present: await exists(join(app, absent)) }).toEqual({ absent, present: false });
  });

  it('prints the version the Dockerfile labels (package.json), run from outside the checkout', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const dockerfile = await readFile('Dockerfile', 'utf8');
    expect(dockerfile).toContain(`ARG VERSION=${version}\n`);
    const out = await run(process.execPath, [join(app, 'bin/gitops-agent.mjs'), '--version'], dir);
    expect(out).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('runs the agent against the control plane: syncs a repository, exits 0 on SIGTERM', async () => {
    const ns = await createTestNamespace('image');
    defer(() => ns.cleanup());
    const repo = await server.createRepo(ns.name);
    await repo.commit(
      {
        'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-image\ndata:\n  a: "1"\n',
      },
      'app',
    );
    const agent = await startAgent(
      {
        agent: { cluster: 'test', listen: '127.0.0.1:0' },
        targets: [{ name: ns.name, repo: repo.url, path: 'deploy', namespace: ns.name, interval: '1h' }],
      },
      { entry: join(app, 'bin/gitops-agent.mjs'), logLevel: 'info' },
    );
    defer(() => agent.dispose());
    const done = await agent.waitForLog(
      'the sync',
      (l) => l.target === ns.name && typeof l.outcome === 'string',
    );
    expect(done.outcome).toBe('synced');
    expect(await getLive('configmap', 'from-image', ns.name)).toBeDefined();
    const stopped = await agent.stop('SIGTERM');
    expect(stopped.code).toBe(0);
  });
});
