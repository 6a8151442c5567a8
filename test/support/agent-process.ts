// Runs the real `gitops-agent run` as a child process with a config file, capturing its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubeconfigPath } from './cluster.ts';

/** One parsed log line of the agent (pino JSON). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A running agent process. */
export interface AgentProcess {
  /** Every stderr line, raw, in order (for the no-token check). */
  rawLines: string[];
  /** The lines that parsed as JSON. */
  logs(): LogLine[];
  /** The port of /metrics, /healthz and /readyz. */
  port: number;
  /** Path of the config file, to rewrite it. */
  configPath: string;
  /** Writes a new config to the file (the agent watches it). */
  writeConfig(config: unknown): Promise<void>;
  /** GETs a path of the agent's HTTP server. */
  http(path: string): Promise<{ status: number; body: string }>;
  /** Waits for a log line matching `match`, after `from` lines (default 0). */
  waitForLog(
    what: string,
    match: (l: LogLine) => boolean,
    opts?: { timeoutMs?: number; from?: number },
  ): Promise<LogLine>;
  /** Sends a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Sends a signal and waits for the exit: the code and how long it took. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
  /** Kills the process if it still runs and removes the temp files. */
  dispose(): Promise<void>;
}

/** Options of startAgent(): log level (default debug), kubeconfig (default the admin one), entry script. */
export interface StartAgentOptions {
  logLevel?: string;
  kubeconfig?: string;
  /** The agent's entry point; default `bin/gitops-agent.mjs` of this checkout. */
  entry?: string;
  /** Extra environment variables of the process (e.g. POD_NAMESPACE). */
  env?: Record<string, string>;
}

/** Starts `bin/gitops-agent.mjs run --config <file>` with the test cluster's kubeconfig and a fresh cache. */
export async function startAgent(config: unknown, opts: StartAgentOptions = {}): Promise<AgentProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-agent-run-'));
  const configPath = join(dir, 'agent.yaml');
  await writeFile(configPath, stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      opts.entry ?? 'bin/gitops-agent.mjs',
      'run',
      '--config',
      configPath,
      '--kubeconfig',
      opts.kubeconfig ?? kubeconfigPath(),
      '--cache-dir',
      join(dir, 'cache'),
      '--log-level',
      opts.logLevel ?? 'debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  const rawLines: string[] = [];
  let partial = '';
  const onData = (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    rawLines.push(...parts.filter(Boolean));
  };
  child.stderr!.on('data', onData);
  child.stdout!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = (): LogLine[] =>
    rawLines.flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
  const waitForLog: AgentProcess['waitForLog'] = async (what, match, o = {}) => {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (;;) {
      const found = logs()
        .slice(o.from ?? 0)
        .find(match);
      if (found) return found;
      if (child.exitCode !== null)
        throw new Error(
          `agent exited (${child.exitCode}) before ${what}:\n${rawLines.slice(-20).join('\n')}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; last lines:\n${rawLines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const listening = await waitForLog('the agent to listen', (l) => l.msg === 'agent listening');
  const port = listening.port as number;
  return {
    rawLines,
    logs,
    port,
    configPath,
    writeConfig: (c) => writeFile(configPath, stringify(c)),
    async http(path) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: await res.text() };
    },
    waitForLog,
    signal: (sig) => void child.kill(sig),
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      const start = Date.now();
      child.kill(signal);
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const code = await Promise.race([exited, timeout]);
      if (code === 'timeout') throw new Error(`agent did not exit within ${timeoutMs} ms of ${signal}`);
      return { code, ms: Date.now() - start };
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
