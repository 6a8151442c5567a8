// Spawning and reliably killing the control plane's processes: each binary runs detached in its own process
// group with output to a log file, and a watchdog kills them all if the Node process dies without stop().
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const WATCHDOG = path.join(import.meta.dirname, 'watchdog.sh');

/** One running binary of the control plane. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Why the process ended ("exited with code 1"), or null while it runs. */
  exit: string | null;
}

/** Returns n distinct free loopback ports, found by binding port 0 on 127.0.0.1 (held together so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** Returns the last `lines` lines of a log file, or a note that it cannot be read. */
export function logTail(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** The processes of one control-plane run, their watchdog and the paths to delete when they stop. */
export class ProcessSet {
  readonly processes: ManagedProcess[] = [];
  private readonly runDir: string;
  private readonly pgidFile: string;
  private readonly removeOnStop: string[];
  private watchdog: ChildProcess | undefined;
  private readonly onExit = (): void => this.killSync();

  /** Tracks processes for runDir; removeOnStop lists the directories that stop() and the watchdog delete. */
  constructor(runDir: string, removeOnStop: string[]) {
    this.runDir = runDir;
    this.pgidFile = path.join(runDir, 'pgids');
    this.removeOnStop = removeOnStop;
    fs.writeFileSync(this.pgidFile, '');
    process.on('exit', this.onExit);
  }

  /** Starts the detached watchdog that cleans up after this Node process if it dies without stop(). */
  startWatchdog(): void {
    const args = [WATCHDOG, String(process.pid), this.pgidFile, this.runDir, ...this.removeOnStop];
    this.watchdog = spawn('bash', args, { detached: true, stdio: 'ignore' });
    this.watchdog.unref();
  }

  /** Spawns bin in its own process group, logging to <runDir>/<name>.log, and records its pid at once. */
  spawn(name: string, bin: string, args: string[]): ManagedProcess {
    const logFile = path.join(this.runDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(bin, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, GITOPS_TESTENV_RUN: this.runDir },
      });
    } finally {
      fs.closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${bin})`);
    fs.appendFileSync(this.pgidFile, `${child.pid}\n`);
    const proc: ManagedProcess = { name, pid: child.pid, logFile, child, exit: null };
    child.on('exit', (code, signal) => {
      proc.exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    child.on('error', (err) => {
      proc.exit = `failed: ${err.message}`;
    });
    // Detached and unref'd: the children never hold this process open, and Ctrl-C on the terminal reaches only
    // this process, which stops them in order (or the watchdog does).
    child.unref();
    this.processes.push(proc);
    return proc;
  }

  /** Throws with the log tail of the first process that has ended. */
  assertRunning(): void {
    const dead = this.processes.find((p) => p.exit !== null);
    if (dead)
      throw new Error(`${dead.name} ${dead.exit}; last lines of ${dead.logFile}:\n${logTail(dead.logFile)}`);
  }

  /** SIGTERMs every process group, SIGKILLs what is left after graceMs, then deletes the run's directories. */
  async stop(opts: { graceMs?: number; keep?: string[] } = {}): Promise<void> {
    const pgids = this.processes.map((p) => p.pid);
    for (const g of pgids) signalGroup(g, 'SIGTERM');
    const deadline = Date.now() + (opts.graceMs ?? 5000);
    while (pgids.some(groupAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const g of pgids.filter(groupAlive)) signalGroup(g, 'SIGKILL');
    const killDeadline = Date.now() + 10_000;
    while (pgids.some(groupAlive) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 20));
    for (const p of this.removeOnStop) {
      if (!opts.keep?.includes(p)) fs.rmSync(p, { recursive: true, force: true });
    }
    if (this.watchdog?.pid !== undefined) signalGroup(this.watchdog.pid, 'SIGKILL');
    process.off('exit', this.onExit);
  }

  private killSync(): void {
    // The process is exiting without stop(): kill synchronously; the watchdog then deletes the directories.
    for (const p of this.processes) signalGroup(p.pid, 'SIGKILL');
  }
}
