// `npm run bench`: the agent against kubectl, a minimal client and native git, on a real local control plane
// and a real local Git server. Prints a table and writes the same figures to bench/results/<timestamp>.json.
import { cpus, loadavg } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, type ControlPlane } from '../test/cluster/control-plane.ts';
import { startGitServer, type GitServer } from '../test/support/git-server.ts';
import { buildFlux } from './flux.ts';
import { runGit, type GitResults } from './git-bench.ts';
import { kubectl, PARENT_CRD } from './kubectl.ts';
import { killAll, run } from './proc.ts';
import { runSize, type SizeResults } from './size.ts';
import { continuousRows, formatTable, gitRows, largeRow, profile, sizeRows, targets } from './table.ts';
import { runLargeRepos, type LargeRepoResult } from './large-repo.ts';
import { runContinuous, type ContinuousResults } from './continuous.ts';
import { runRender, type RenderResults } from './render.ts';
import { runHost, type HostResults } from './host.ts';
import { hostRows, renderProfile, renderRows } from './table-render-host.ts';

const USAGE = `npm run bench -- [options]
  --sizes 100,1000,5000   workload sizes (objects per copy; default all three; --sizes= for none: the git,
                          memory, render, continuous and host rows only)
  --quick                 size 100, one trial, 500-commit git history, render rows at 100 objects
  --trials N              trials of the no-op, drift, git fetch and render rows (default 3), and of the
                          host rows (at least 5)
  --git-commits N,M       commits of each git history (default 2000,5000)
  --no-large              skip the memory rows (a 200 MB pack and a 400 MB blob outside the path)
  --no-git                skip the git rows
  --concurrency N         agent and limit concurrency (default 16, the agent's default)
  --agent-only            only the agent's rows, and Flux's engine unless --no-flux (no kubectl, limit or git rows)
  --no-continuous         skip the continuous agent's rows (drift undone by its watches, memory of 20 targets)
  --no-flux               skip Flux's engine (bench/flux, built once with Go into the test-environment cache)
  --render-size N         objects of the render rows: plain YAML, kustomize and helm (default 1000; 100 with --quick)
  --no-render             skip the render rows (they run with --agent-only too, and without any --sizes)
  --no-host               skip the commit-status rows (gitops-agent run against a local GitHub contract server;
                          they run with --agent-only too)
  --agent-node-flags F    extra Node flags for the agent's processes, e.g. --agent-node-flags=--max-semi-space-size=8
  --kubectl-full          all kubectl rows at every size (default: above 1,000 objects kubectl gets one
                          no-op trial and no plain or prune runs, as each of its passes takes minutes)
`;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    quick: { type: 'boolean' },
    trials: { type: 'string' },
    'git-commits': { type: 'string' },
    'no-large': { type: 'boolean' },
    'no-git': { type: 'boolean' },
    concurrency: { type: 'string' },
    'kubectl-full': { type: 'boolean' },
    'agent-only': { type: 'boolean' },
    'no-flux': { type: 'boolean' },
    'no-continuous': { type: 'boolean' },
    'render-size': { type: 'string' },
    'no-render': { type: 'boolean' },
    'no-host': { type: 'boolean' },
    'agent-node-flags': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const quick = values.quick === true;
const sizes = (values.sizes ?? (quick ? '100' : '100,1000,5000')).split(',').filter(Boolean).map(Number);
const trials = Number(values.trials ?? (quick ? 1 : 3));
const gitCommits = (values['git-commits'] ?? (quick ? '500' : '2000,5000'))
  .split(',')
  .filter(Boolean)
  .map(Number);
const concurrency = Number(values.concurrency ?? 16);
const agentOnly = values['agent-only'] === true;
const renderSize = Number(values['render-size'] ?? (quick ? 100 : 1000));
const agentNodeFlags = (values['agent-node-flags'] ?? '').split(' ').filter(Boolean);
if (![...sizes, trials, ...gitCommits, concurrency, renderSize].every((v) => Number.isInteger(v) && v > 0)) {
  process.stderr.write(`bad option value\n\n${USAGE}`);
  process.exit(2);
}

const started = performance.now();
const loadAtStart = loadavg();
const log = (line: string): void => {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
};
let cp: ControlPlane | undefined;
let git: GitServer | undefined;
let workDir: string | undefined;
let stopping: Promise<void> | undefined;
let interrupted = false;

// Stops everything the bench started; safe to call twice (Ctrl-C during the normal shutdown).
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await killAll();
    await git?.close().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => {
    log(`${signal}: stopping the control plane and the Git server…`);
    interrupted = true;
    void shutdown().then(() => process.exit(130));
  });

try {
  workDir = await mkdtemp(join(tmpdir(), 'gitops-bench-'));
  cp = await startControlPlane({ log: (line) => log(`control plane: ${line}`) });
  git = await startGitServer();
  log(`control plane ${cp.version} at ${cp.server}; git server ${git.url}`);
  await run('kubectl', ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', '-'], {
    input: JSON.stringify(PARENT_CRD),
  });
  await kubectl(cp.kubeconfig, ['wait', '--for=condition=established', `crd/${PARENT_CRD.metadata.name}`]);
  const runId = Date.now().toString(36).slice(-5);
  const fluxBinary = values['no-flux'] === true || sizes.length === 0 ? undefined : await buildFlux(log);

  const gitResults: GitResults[] = [];
  const large: LargeRepoResult[] = [];
  const gitError: string[] = [];
  const failed = (what: string) => (err: unknown) => {
    gitError.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    log(`FAILED ${gitError.at(-1)}`);
    return undefined;
  };
  if (values['no-git'] !== true && !agentOnly) {
    for (const commits of gitCommits) {
      const r = await runGit(git, workDir, commits, trials, log).catch(failed(`git ${commits}`));
      if (r) gitResults.push(r);
    }
  }
  if (values['no-large'] !== true && !agentOnly) {
    large.push(...((await runLargeRepos(git, workDir, log).catch(failed('large repositories'))) ?? []));
  }
  const results: SizeResults[] = [];
  for (const size of sizes) {
    if (interrupted) break;
    log(`size ${size}: starting`);
    const reduced = values['kubectl-full'] !== true && size > 1000;
    const ctx = {
      ...{ kubeconfig: cp.kubeconfig, git, runId, size, workDir, concurrency, trials, reduced, log },
      ...{ agentNodeFlags, agentOnly, fluxBinary },
    };
    results.push(await runSize(ctx));
  }

  let render: RenderResults | undefined;
  if (values['no-render'] !== true && !interrupted) {
    log(`render: ${renderSize} objects as plain YAML, through kustomize and from a Helm chart`);
    const ctx = { kubeconfig: cp.kubeconfig, git, runId, size: renderSize, workDir, concurrency, trials };
    render = await runRender({ ...ctx, agentNodeFlags, log }).catch(failed('render'));
  }

  let continuous: ContinuousResults | undefined;
  if (values['no-continuous'] !== true && !interrupted) {
    log('continuous agent: drift trials and the memory of 20 targets');
    const ctx = { kubeconfig: cp.kubeconfig, git, workDir, runId, trials: Math.max(trials, 10), log };
    continuous = await runContinuous(ctx).catch(failed('continuous agent'));
  }

  let host: HostResults | undefined;
  if (values['no-host'] !== true && !interrupted) {
    log('git host: commit statuses of gitops-agent run on a local GitHub contract server');
    host = await runHost({ kubeconfig: cp.kubeconfig, git, workDir, runId, trials, log }).catch(
      failed('host'),
    );
  }

  // An interrupted run's figures are partial and half of them failures: nothing is printed or written.
  if (interrupted) await new Promise(() => undefined);
  const rows = [
    ...results.flatMap(sizeRows),
    ...renderRows(render),
    ...continuousRows(continuous),
    ...hostRows(host),
    ...gitResults.flatMap(gitRows),
    ...large.map(largeRow),
  ];
  const goals = targets(results, gitResults, large, continuous);
  const totalSeconds = (performance.now() - started) / 1000;
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    kubernetes: cp.version,
    kubectl: (await run('kubectl', ['version', '--client', '-o', 'json'])).stdout.match(
      /"gitVersion": "([^"]+)"/,
    )?.[1],
    git: (await run('git', ['--version'])).stdout.trim(),
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
  };
  const load = (l: number[]): string => l.map((v) => v.toFixed(1)).join(' ');
  const text = [
    `gitops-agent benchmark — ${new Date().toISOString()} — ${machine.cpus} CPUs, Node ${machine.node}, ` +
      `Kubernetes ${machine.kubernetes}, kubectl ${machine.kubectl}, ${machine.git}; concurrency ${concurrency}; ` +
      `load average ${load(loadAtStart)} at start, ${load(loadavg())} at end`,
    '',
    formatTable(rows),
    '',
    'targets',
    ...goals.map((t) => `  [${t.status}] ${t.text}: ${t.detail}`),
    ...gitError.map((e) => `  FAILED ${e.split('\n')[0]}`),
    '',
    'agent profile (reconcile wall time; stage timings in ms; API requests by verb)',
    ...[...results.flatMap(profile), ...renderProfile(render)].map((l) => `  ${l}`),
    '',
    `total runtime ${(totalSeconds / 60).toFixed(1)} min`,
  ].join('\n');
  process.stdout.write(text + '\n');
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const options = {
    sizes,
    trials,
    gitCommits,
    concurrency,
    quick,
    kubectlFull: values['kubectl-full'] === true,
    agentOnly,
    agentNodeFlags,
    renderSize: values['no-render'] === true ? undefined : renderSize,
    host: values['no-host'] !== true,
  };
  const json = {
    startedAt: new Date(Date.now() - totalSeconds * 1000).toISOString(),
    totalSeconds,
    machine,
    options,
  };
  await writeFile(
    file,
    JSON.stringify(
      { ...json, rows, targets: goals, sizes: results, git: gitResults, large, continuous, render, host },
      null,
      2,
    ),
  );
  log(`results written to ${file}`);
} catch (err) {
  log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await shutdown();
}
