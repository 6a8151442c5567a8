import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** One run of kustomize or helm and its bounds. */
export interface ToolRun {
  /** Path of the binary. */
  binary: string;
  args: string[];
  cwd: string;
  /** The child's whole environment (nothing of the agent's own is passed unless put here). */
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  maxMemoryBytes: number;
  /** Stops the run: the child is killed. */
  signal?: AbortSignal;
}

/** How a run ended: its stdout, or why it was stopped or failed. */
export type ToolOutcome =
  | { ok: true; stdout: Buffer }
  | { ok: false; reason: 'exit'; code: number | null; stderr: string }
  | { ok: false; reason: 'timeout' | 'output' | 'memory' | 'aborted' | 'spawn'; stderr: string };

const WATCH_MS = 100;
const MAX_STDERR = 64 << 10;

/**
 * Runs the tool with a wall-clock limit (AbortSignal.timeout, joined with the caller's signal), an output
 * limit (reading stops at the limit and the child is killed) and a memory cap: GOMEMLIMIT makes the Go
 * runtime collect before it gets there, and a watchdog reading /proc/<pid>/status kills it past the cap.
 */
export function runTool(run: ToolRun): Promise<ToolOutcome> {
  return new Promise((resolve) => {
    const deadline = AbortSignal.timeout(run.timeoutMs);
    const stop = run.signal ? AbortSignal.any([deadline, run.signal]) : deadline;
    const child = spawn(run.binary, run.args, {
      cwd: run.cwd,
      env: { ...run.env, GOMEMLIMIT: String(Math.floor(run.maxMemoryBytes * 0.8)) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let stopped: 'timeout' | 'output' | 'memory' | 'aborted' | undefined;
    const kill = (why: NonNullable<typeof stopped>) => {
      stopped ??= why;
      // The tool's own children (git for a remote base) are in its process group: kill them all.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const onStop = () => kill(deadline.aborted ? 'timeout' : 'aborted');
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    const watchdog = setInterval(() => {
      if (child.pid === undefined) return;
      void rssBytes(child.pid).then((rss) => {
        if (rss !== undefined && rss > run.maxMemoryBytes) kill('memory');
      });
    }, WATCH_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      size += chunk.length;
      if (size > run.maxOutputBytes) return kill('output');
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
    });
    const finish = (outcome: ToolOutcome) => {
      clearInterval(watchdog);
      stop.removeEventListener('abort', onStop);
      resolve(outcome);
    };
    child.on('error', (err) => finish({ ok: false, reason: 'spawn', stderr: err.message }));
    child.on('close', (code) => {
      stderr = stderr.slice(0, MAX_STDERR);
      if (stopped) finish({ ok: false, reason: stopped, stderr });
      else if (code !== 0) finish({ ok: false, reason: 'exit', code, stderr });
      else finish({ ok: true, stdout: Buffer.concat(chunks) });
    });
  });
}

async function rssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
