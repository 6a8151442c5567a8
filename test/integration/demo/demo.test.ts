// The README's first command, `npm run demo`, run as a user runs it (its own control plane and Gitea), must
// finish with exit 0 having shown every step: the push synced by webhook, the commit status on Gitea, the
// `kubectl edit` undone, the revert rolled back and `gitops-agent status`.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/demo.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), 200_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run demo', () => {
  it('runs every step against a real control plane and Gitea and exits 0', { timeout: 240_000 }, async () => {
    const { code, out } = await runDemo();
    expect(code, out.slice(-3000)).toBe(0);
    const steps = [
      /applied revision main@sha1:\w+ \(7 created\)/,
      /success\s+gitops-agent\/demo\/demo\s+7 created, 7\/7 healthy/,
      /webhook: push triggered a sync/,
      /push → applied and healthy in [\d.]+ s/,
      /deploy\/web replicas: 3/,
      /deployment\.apps\/web edited/,
      /undone by the agent's self-heal in [\d.]+ s: replicas 3/,
      /deploy\/web replicas: 2/,
      /default\s+demo\s+main@sha1:\w+\s+false\s+True/,
    ];
    for (const step of steps) expect(out).toMatch(step);
    // Gitea's admin password is printed only with --keep.
    expect(out).not.toMatch(/password [0-9a-f]{24}/);
  });
});
