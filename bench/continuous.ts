// The continuous agent (`gitops-agent run`) in the benchmark: drift undone by its watches (kubectl edit and
// delete, time until the object is back), and the memory of one agent holding 20 targets of 250 objects each,
// idle with every watch open.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { GitServer } from '../test/support/git-server.ts';
import { Kube } from '../src/kube/objects.ts';
import { median, run } from './proc.ts';

/** What the continuous-agent rows measured. */
export interface ContinuousResults {
  /** ms from `kubectl edit` returning to the object being back, per trial. */
  editMs: number[];
  /** ms from `kubectl delete` returning to the object being back, per trial. */
  deleteMs: number[];
  targets: number;
  objectsPerTarget: number;
  /** Seconds until every target had synced once. */
  firstSyncsS: number;
  idleRssMiB: number;
  peakRssMiB: number;
}

interface Ctx {
  kubeconfig: string;
  git: GitServer;
  workDir: string;
  runId: string;
  trials: number;
  log: (line: string) => void;
}

/** Runs both rows; each with its own agent process, stopped before returning. */
export async function runContinuous(ctx: Ctx): Promise<ContinuousResults> {
  const drift = await driftTrials(ctx);
  const memory = await idleMemory(ctx);
  return { ...drift, ...memory };
}

function kubectl(kubeconfig: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  return run('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { env: opts.env ?? process.env });
}

async function driftTrials(ctx: Ctx): Promise<Pick<ContinuousResults, 'editMs' | 'deleteMs'>> {
  const ns = `bench-drift-${ctx.runId}`;
  await kubectl(ctx.kubeconfig, ['create', 'namespace', ns]);
  const repo = await ctx.git.createRepo(ns);
  const n = Math.max(ctx.trials, 10);
  const files: Record<string, string> = {};
  // One object per trial, so no object is corrected often enough to count as a fight.
  for (let i = 0; i < n; i++)
    files[`deploy/cm-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  mode: blue\n`;
  await repo.commit(files, 'drift objects');
  const agent = await startAgent(ctx, 'drift', [target(ns, repo.url)]);
  const kube = Kube.load(ctx.kubeconfig);
  try {
    await agent.waitFor((l) => l.target === ns && l.outcome === 'synced', 120_000);
    await agent.ready();
    const mode = async (i: number) =>
      ((await kube.get('v1', 'ConfigMap', ns, `cm-${i}`))?.data as { mode?: string } | undefined)?.mode;
    const back = async (i: number): Promise<number> => {
      const t0 = performance.now();
      while ((await mode(i)) !== 'blue') {
        if (performance.now() - t0 > 30_000) throw new Error(`cm-${i} was not restored within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now() - t0;
    };
    const editMs: number[] = [];
    const deleteMs: number[] = [];
    for (let i = 0; i < n; i++) {
      await kubectl(ctx.kubeconfig, ['-n', ns, 'edit', `configmap/cm-${i}`], {
        env: { ...process.env, KUBE_EDITOR: `sed -i s/mode:\\ blue/mode:\\ red/` },
      });
      editMs.push(await back(i));
      await kubectl(ctx.kubeconfig, ['-n', ns, 'delete', `configmap/cm-${i}`, '--wait=false']);
      deleteMs.push(await back(i));
    }
    ctx.log(
      `drift: edit median ${median(editMs).toFixed(0)} ms, delete median ${median(deleteMs).toFixed(0)} ms`,
    );
    return { editMs, deleteMs };
  } finally {
    kube.close();
    await agent.stop();
    await kubectl(ctx.kubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

async function idleMemory(ctx: Ctx): Promise<Omit<ContinuousResults, 'editMs' | 'deleteMs'>> {
  const targets = 20;
  const objectsPerTarget = 250;
  const names = Array.from({ length: targets }, (_, t) => `bench-mem-${ctx.runId}-${t}`);
  const repo = await ctx.git.createRepo(`bench-mem-${ctx.runId}`);
  const files: Record<string, string> = {};
  for (let t = 0; t < targets; t++) {
    await kubectl(ctx.kubeconfig, ['create', 'namespace', names[t]!]);
    for (let f = 0; f < 5; f++)
      files[`t${t}/part-${f}.yaml`] = Array.from({ length: objectsPerTarget / 5 }, (_, i) => {
        const k = f * (objectsPerTarget / 5) + i;
        return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${k}\ndata:\n  key: value-${k}\n  other: "${'x'.repeat(64)}"\n`;
      }).join('---\n');
  }
  await repo.commit(files, 'memory targets');
  const agent = await startAgent(
    ctx,
    'memory',
    names.map((ns, t) => ({ ...target(ns, repo.url), path: `t${t}` })),
  );
  try {
    const t0 = performance.now();
    const done = new Set<string>();
    await agent.waitFor((l) => {
      if (l.outcome === 'failed') throw new Error(`target ${String(l.target)} failed: ${String(l.msg)}`);
      if (l.outcome === 'synced' && typeof l.target === 'string') done.add(l.target);
      return done.size === targets;
    }, 600_000);
    const firstSyncsS = (performance.now() - t0) / 1000;
    await agent.ready();
    // Idle with every watch open: a few intervals of nothing to do.
    await new Promise((r) => setTimeout(r, 15_000));
    const status = await readFile(`/proc/${agent.pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const result = {
      targets,
      objectsPerTarget,
      firstSyncsS,
      idleRssMiB: kib('VmRSS') / 1024,
      peakRssMiB: kib('VmHWM') / 1024,
    };
    ctx.log(
      `memory: ${targets}×${objectsPerTarget} objects, idle RSS ${result.idleRssMiB.toFixed(0)} MiB, peak ${result.peakRssMiB.toFixed(0)} MiB`,
    );
    return result;
  } finally {
    await agent.stop();
    for (const ns of names)
      await kubectl(ctx.kubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

function target(ns: string, url: string) {
  return { name: ns, repo: url, path: 'deploy', namespace: ns, interval: '5m', healthTimeoutSeconds: 60 };
}

type LogLine = Record<string, unknown>;

/** A `gitops-agent run` process started by startAgent, with its JSON log lines. */
export interface RunningAgent {
  pid: number;
  waitFor(match: (l: LogLine) => boolean, timeoutMs: number): Promise<void>;
  /** Resolves once /readyz answers 200 (first syncs done, drift watches listed). */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `gitops-agent run` with these target entries in a config of its own, once it listens. */
export async function startAgent(ctx: Ctx, name: string, targets: object[]): Promise<RunningAgent> {
  const dir = await mkdtemp(join(ctx.workDir, `agent-${name}-`));
  const config = join(dir, 'agent.yaml');
  await writeFile(config, stringify({ agent: { cluster: 'bench', listen: '127.0.0.1:0' }, targets }));
  const bin = join(import.meta.dirname, '..', 'bin', 'gitops-agent.mjs');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      'run',
      '--config',
      config,
      '--kubeconfig',
      ctx.kubeconfig,
      '--cache-dir',
      join(dir, 'cache'),
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines: LogLine[] = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  const waitFor = async (match: (l: LogLine) => boolean, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < lines.length; seen++) if (match(lines[seen]!)) return;
      if (child.exitCode !== null) throw new Error(`agent ${name} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`agent ${name}: timed out`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let port = 0;
  await waitFor((l) => {
    if (l.msg === 'agent listening') port = l.port as number;
    return port !== 0;
  }, 60_000);
  return {
    pid: child.pid!,
    waitFor,
    async ready() {
      const deadline = Date.now() + 120_000;
      while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status)) !== 200) {
        if (Date.now() > deadline) throw new Error(`agent ${name}: not ready within 120 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
