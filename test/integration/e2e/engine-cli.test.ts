// The CLI process itself: tokens in a bad URL never printed, and under an older Node the re-run under Node 24
// receives every signal and decides the exit status.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeconfigPath } from '../../support/cluster.ts';

const BIN = join(import.meta.dirname, '../../../bin/gitops-agent.mjs');
const REEXEC = join(import.meta.dirname, '../../../bin/reexec.mjs');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(node: string, args: string[]): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit };
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The oldest Node on PATH that is older than 22.18, the version below which bin/gitops-agent.mjs re-runs itself.
function olderNode(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules'));
  for (const candidate of [...dirs.map((d) => join(d, 'node')), '/usr/bin/node']) {
    try {
      const v = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      const [major = 0, minor = 0] = v.split('.').map(Number);
      if (major < 22 || (major === 22 && minor < 18)) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

describe('the CLI never prints a token', () => {
  it('from a repository URL it cannot parse, whatever the token contains', async () => {
    for (const repo of [
      'http://git:ab/s3cr3t-T0KEN@host/repo.git',
      'http://git:s3cr3t-T0KEN?x#y@host/repo.git',
      'https://x-access-token:s3cr3t-T0KEN@host:99999/repo.git',
    ]) {
      const { exit } = run(process.execPath, [BIN, 'diff', '--repo', repo, '--kubeconfig', kubeconfigPath()]);
      const r = await exit;
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid repository URL/);
      expect(r.stdout + r.stderr).not.toContain('s3cr3t-T0KEN');
      expect(r.stdout + r.stderr).not.toContain('s3cr3t');
    }
  });
});

describe('signals reach the re-run CLI', () => {
  let stalling: Server;
  let stallingUrl: string;
  let cacheDir: string;
  beforeAll(async () => {
    // Accepts the ref listing and never answers, so a sync stays in its source stage until killed.
    stalling = createServer(() => undefined);
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/stuck.git`;
    cacheDir = await mkdtemp(join(tmpdir(), 'gitops-signal-cache-'));
  });
  afterAll(async () => {
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
    await rm(cacheDir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'bin/gitops-agent.mjs under an older Node forwards %s to the Node 24 child and dies of it too',
    async (signal) => {
      const node = olderNode();
      expect(node, 'this test needs a Node older than 22.18 on PATH (e.g. /usr/bin/node)').toBeDefined();
      const { child, exit } = run(node!, [
        BIN,
        'sync',
        '--repo',
        stallingUrl,
        '--kubeconfig',
        kubeconfigPath(),
        '--cache-dir',
        cacheDir,
      ]);
      const [grandchild] = await eventually('the Node 24 child', async () => {
        const found = childrenOf(child.pid!);
        return found.length ? found : undefined;
      });
      const sent = performance.now();
      child.kill(signal);
      const r = await exit;
      // Unforwarded, the signal waits for the child, which gives up on the silent server only after 60 s.
      expect(performance.now() - sent).toBeLessThan(15_000);
      expect(r.signal).toBe(signal);
      await eventually('the Node 24 child to be gone', async () => !alive(grandchild!), { timeoutMs: 5000 });
    },
  );

  it('exits with the child’s exit code', async () => {
    const node = olderNode();
    expect(node).toBeDefined();
    const r = await run(node!, [BIN, 'sync', '--no-such-flag']).exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--no-such-flag'/);
  });

  it('the forwarding function hands a signal to a child that handles it and exits with its code', async () => {
    const script = `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);`;
    const driver = `import { reexec } from ${JSON.stringify(REEXEC)}; reexec(process.execPath, ['-e', ${JSON.stringify(script)}]);`;
    const { child, exit } = run(process.execPath, ['--input-type=module', '-e', driver]);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('the child to be ready', async () => out.includes('ready'));
    child.kill('SIGTERM');
    const r = await exit;
    expect(r.stdout).toContain('child got SIGTERM');
    expect(r).toMatchObject({ code: 7, signal: null });
  });
});
