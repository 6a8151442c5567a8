// Runs child processes for the benchmark, timing each one and remembering it so Ctrl-C can stop it.
import { spawn, type ChildProcess } from 'node:child_process';

/** A finished child: exit code, output and wall time in milliseconds. */
export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of one child process. */
export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  /** Reject when the exit code is not one of these (default: 0 only; `null` accepts any). */
  okCodes?: number[] | null;
  /** Extra Node flags for runNode, e.g. `--max-semi-space-size=8`. */
  nodeArgs?: string[];
}

const running = new Set<ChildProcess>();

/** Runs a command to completion and resolves with its output and wall time. */
export function run(cmd: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
  const start = performance.now();
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      running.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      running.delete(child);
      const result = {
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - start,
      };
      const ok = opts.okCodes === null || (opts.okCodes ?? [0]).includes(code ?? -1);
      if (ok) resolve(result);
      else
        reject(
          new Error(`${cmd} ${args.slice(0, 6).join(' ')} exited ${code}:\n${result.stderr.slice(-2000)}`),
        );
    });
  });
}

/** Runs a TypeScript file of bench/ in a fresh Node process with the same Node binary. */
export function runNode(script: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
  const path = new URL(script, import.meta.url).pathname;
  return run(process.execPath, [...(opts.nodeArgs ?? []), path, ...args], opts);
}

/** Kills every child still running (used on Ctrl-C and on failure) and resolves once all have exited. */
export async function killAll(): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once('close', () => resolve()),
      ),
  );
  for (const child of running) child.kill('SIGKILL');
  // A child still writing into the work directory would race its removal.
  await Promise.all(exits);
}

/** Median of a non-empty list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
