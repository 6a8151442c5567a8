// The demo's moving parts: `gitops-agent run` as a child whose log lines are shown as they come (a digest of
// each JSON line), commands echoed before they run, and waiting with a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The running agent of the demo. */
export interface DemoAgent {
  port: number;
  /** Resolves once a sync of `sha` has ended synced; throws on another outcome. */
  synced(sha: string): Promise<void>;
  /** The last raw log lines, for a failure. */
  tail(): string;
  stop(): Promise<void>;
}

type Line = Record<string, unknown>;

/** Starts `node <bin> run --config <config>` and waits until it listens. */
export async function startDemoAgent(
  bin: string,
  config: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<DemoAgent> {
  const args = ['run', '--config', config, '--cache-dir', join(dir, 'cache'), '--log-level', 'info'];
  console.log(`$ gitops-agent ${args.join(' ').replaceAll(dir, '$DEMO')}`);
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const raw: string[] = [];
  const lines: Line[] = [];
  let partial = '';
  const onData = (d: Buffer): void => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts.filter(Boolean)) {
      raw.push(text);
      try {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        console.log(`  [agent] ${digest(line)}`);
      } catch {
        console.log(`  [agent] ${text}`);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const find = (match: (l: Line) => boolean, what: string): Promise<Line> =>
    until(what, async () => {
      if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode})`);
      return lines.find(match);
    });
  const listening = await find((l) => l['msg'] === 'agent listening', 'the agent to listen');
  return {
    port: listening['port'] as number,
    async synced(sha) {
      const done = await find(
        (l) => l['revision'] === sha && typeof l['outcome'] === 'string',
        `a sync of ${sha}`,
      );
      if (done['outcome'] !== 'synced') throw new Error(`sync of ${sha} ended ${String(done['outcome'])}`);
    },
    tail: () => raw.slice(-20).join('\n'),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// One line per log entry: the message and the fields a reader of the demo cares about.
function digest(l: Line): string {
  const fields = ['target', 'object', 'managers', 'ms', 'outcome', 'provider', 'targets', 'port']
    .filter((k) => l[k] !== undefined)
    .map((k) => `${k}=${typeof l[k] === 'string' ? l[k] : JSON.stringify(l[k])}`);
  return [String(l['msg'] ?? ''), ...fields].join('  ');
}

/** Runs a command with its output shown (after `$ title`, when given); resolves with its stdout. */
export function runShown(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  title?: string,
): Promise<{ code: number; out: string }> {
  if (title) console.log(`$ ${title}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (title) process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ code, out }) : reject(new Error(`${cmd} exited ${code}`)),
    );
  });
}

/** Polls `check` every 50 ms until it returns a value; throws naming `what` after `timeoutMs` (default 60 s). */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
