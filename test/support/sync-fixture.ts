// End-to-end fixture: a repository on the real Git server, a namespace on the real control plane, and the
// engine's reconcile() run in-process against both, with the API client's request counters exposed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { SyncResult, SyncTarget } from '../../src/core/types.ts';
import { reconcile, type ReconcileDeps, type ReconcileOptions } from '../../src/sync/reconcile.ts';
import { Kube } from '../../src/kube/objects.ts';
import { kubeconfigPath, kubectl } from './cluster.ts';
import { createTestNamespace } from './namespace.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startGitServer, type GitServer, type Repo } from './git-server.ts';

/** One test's world: repo, namespace, target and helpers to sync and inspect. */
export interface SyncFixture {
  repo: Repo;
  namespace: string;
  target: SyncTarget;
  kube: Kube;
  /**
   * Runs reconcile once; `requests` on the result counts API requests by verb label, `methods` by HTTP method
   * (of `deps.kube` when given, else of the fixture's own client).
   */
  sync(
    options?: ReconcileOptions,
    overrides?: Partial<SyncTarget>,
    deps?: Partial<ReconcileDeps>,
  ): Promise<SyncResult & { methods: Record<string, number> }>;
  /**
   * Runs the real CLI (`bin/gitops-agent.mjs`) against this target. The fixture's `--kubeconfig`,
   * `--health-timeout` and `--cache-dir` are left out when `extra` passes its own, so the caller's always wins.
   */
  cli(command: 'sync' | 'diff', extra?: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

/** Creates a repository and namespace for one test; `cleanup` removes them and cluster-scoped leftovers. */
export async function syncFixture(server: GitServer, prefix: string): Promise<SyncFixture> {
  const ns = await createTestNamespace(prefix);
  const repo = await server.createRepo(ns.name);
  const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-cache-'));
  const kube = Kube.load(kubeconfigPath());
  const target: SyncTarget = {
    name: ns.name,
    url: repo.url,
    ref: 'main',
    path: 'deploy',
    namespace: ns.name,
    inventoryNamespace: ns.name,
    force: true,
    healthTimeoutSeconds: 60,
    prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
  };
  const deps = { kube, cacheDir, version: 'test' };
  return {
    repo,
    namespace: ns.name,
    target,
    kube,
    async sync(options = {}, overrides = {}, extraDeps = {}) {
      const client = (extraDeps.kube ?? kube).client;
      const before = { ...client.methods };
      const result = await reconcile({ ...target, ...overrides }, { ...deps, ...extraDeps }, options);
      const methods = Object.fromEntries(
        Object.entries(client.methods)
          .map(([m, n]) => [m, n - (before[m] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
      return { ...result, methods };
    },
    cli(command, extra = []) {
      const defaults: [string, string][] = [
        ['--kubeconfig', kubeconfigPath()],
        ['--cache-dir', cacheDir],
        ['--health-timeout', '60'],
      ];
      const args = [
        'bin/gitops-agent.mjs',
        command,
        '--repo',
        repo.url,
        '--path',
        target.path,
        '--namespace',
        ns.name,
        '--name',
        ns.name,
        ...defaults.filter(([flag]) => !extra.includes(flag)).flat(),
        ...extra,
      ];
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    },
    async cleanup() {
      kube.close();
      await repo.dispose();
      await ns.cleanup();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Live object as JSON via kubectl, or undefined when it does not exist. */
export async function getLive(
  kind: string,
  name: string,
  namespace?: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await kubectl([
      'get',
      kind,
      name,
      ...(namespace ? ['-n', namespace] : []),
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    return JSON.parse(out) as Record<string, unknown>;
  } catch (err) {
    if (/NotFound|not found/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Actions of a result keyed by `Kind/name` (namespace left out: every test has its own). */
export function actions(r: SyncResult): Record<string, string> {
  return Object.fromEntries(r.changes.map((c) => [`${c.ref.kind}/${c.ref.name}`, c.action]));
}

/** Per test file: one Git server; per test: fixtures and extra cleanups, all removed after the test. */
export function useSyncFixtures(): {
  fixture(prefix: string): Promise<SyncFixture>;
  onCleanup(fn: () => Promise<unknown>): void;
} {
  let server: GitServer | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startGitServer();
  });
  afterEach(async () => {
    // Last in, first out: extra objects go before the fixture's namespace and repository.
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    async fixture(prefix) {
      if (!server)
        throw new Error('useSyncFixtures(): the Git server is not running (called outside a test?)');
      const fx = await syncFixture(server, prefix);
      cleanups.push(() => fx.cleanup());
      return fx;
    },
    onCleanup: (fn) => void cleanups.push(fn),
  };
}
