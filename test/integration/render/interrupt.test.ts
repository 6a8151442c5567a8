import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPath } from '../../support/cluster.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { useRenderTools } from '../../support/render-tools.ts';

useRenderTools();
const K = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';

// A Git host that never answers git (kustomize's git, a grandchild of the CLI, hangs on it) and says 404 to
// kustomize's own GET of the URL as a file, which comes first.
const sockets: Socket[] = [];
const gitRequests: string[] = [];
let hang: Server | undefined;
let git: GitServer | undefined;
beforeAll(async () => {
  git = await startGitServer();
  hang = createServer((req, res) => {
    sockets.push(req.socket);
    if (req.url?.includes('/info/refs')) gitRequests.push(req.url);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => hang!.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => hang?.close(() => resolve()));
  await git?.close();
});

/** Pids of the processes working under `dir` and of every process in their process groups, with names. */
async function processesUnder(dir: string): Promise<string[]> {
  const all: { pid: string; pgrp: string; name: string; cwd: string }[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    const name = /\((.*)\)/.exec(stat)?.[1] ?? '';
    const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] ?? '';
    if (stat) all.push({ pid, pgrp, name, cwd });
  }
  const groups = new Set(all.filter((p) => p.cwd.startsWith(dir)).map((p) => p.pgrp));
  return all.filter((p) => groups.has(p.pgrp)).map((p) => `${p.pid}:${p.name}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Ctrl-C on the CLI', () => {
  it('kills the render tool with its children and removes the sandbox', async () => {
    const work = await mkdtemp(join(tmpdir(), 'interrupt-test-'));
    const sandboxes = join(work, 'tmp');
    try {
      await mkdir(sandboxes);
      const repo = await git!.createRepo('interrupt');
      const { port } = hang!.address() as { port: number };
      await repo.commit(
        {
          'app/kustomization.yaml': `${K}resources:\n  - http://127.0.0.1:${port}/o/r//app?ref=main&submodules=false\n`,
        },
        'a base on a host that hangs',
      );
      const config = join(work, 'target.yaml');
      await writeFile(
        config,
        'render:\n  mode: kustomize\n  kustomize: { allowRemote: true, allowedHosts: [127.0.0.1] }\n',
      );
      const child = spawn(
        process.execPath,
        [
          'bin/gitops-agent.mjs',
          'render',
          '--repo',
          repo.url,
          '--path',
          'app',
          '--config',
          config,
          '--kubeconfig',
          kubeconfigPath(),
          '--cache-dir',
          join(work, 'cache'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: sandboxes } },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

      // kustomize and the git it started (and git's remote helper) all work inside the sandbox.
      const before = await until('kustomize and its git', async () => {
        const pids = await processesUnder(sandboxes);
        return gitRequests.length > 0 && pids.length >= 2 ? pids : undefined;
      });
      child.kill('SIGINT');
      const code = await exited;
      const after = await processesUnder(sandboxes);
      const left = await readdir(sandboxes);
      console.log(
        `before SIGINT: ${before.join(' ')}; after: ${after.join(' ') || 'none'}; exit ${code}; left ${JSON.stringify(left)}`,
      );
      for (const p of after) process.kill(Number(p.split(':')[0]), 'SIGKILL');
      expect(after).toEqual([]);
      expect(left).toEqual([]);
      expect(code).toBe(130);
      expect(stderr).toMatch(/kustomize build was stopped/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
