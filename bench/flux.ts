// The Flux-engine side of one size: bench/flux (Flux's own github.com/fluxcd/pkg/ssa, driven as
// kustomize-controller drives it) applying a separate copy of the same workload from a directory, with the
// same syncs as the agent: initial, no-op, one-object change, 10% prune.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from './proc.ts';
import { generate, toFiles, yaml, type Workload } from './workload.ts';

/** One run of the Flux engine as it reports itself, plus the process's wall time. */
export interface FluxStep {
  ms: number;
  processMs: number;
  actions: Record<string, number>;
  requests: Record<string, number>;
  maxRssMiB: number;
  cpuSeconds: number;
}

/** Everything measured for Flux's engine at one size. */
export interface FluxResults {
  objects: number;
  initial: FluxStep;
  noop: FluxStep[];
  change: FluxStep;
  prune: FluxStep;
  pruned: number;
}

/** Where and how the Flux phase of one size runs. */
export interface FluxContext {
  kubeconfig: string;
  name: string;
  size: number;
  namespaces: number;
  workDir: string;
  concurrency: number;
  trials: number;
  /** Path of the flux-ssa binary (bench/flux/build.sh prints it). */
  binary: string;
  log: (line: string) => void;
}

/** The Flux copy's workload for a context (namespace prefix `<name>-f`, its own CRD group). */
export function fluxWorkload(ctx: Pick<FluxContext, 'name' | 'size' | 'namespaces'>): Workload {
  const group = `f.${ctx.name.replace(/^bench-/, '')}.bench.gitops-agent.io`;
  return generate(ctx.size, { namespacePrefix: `${ctx.name}-f`, group, namespaces: ctx.namespaces });
}

/** Builds bench/flux once (cached by version under the test-environment cache) and returns its path. */
export async function buildFlux(log: (line: string) => void): Promise<string> {
  log('flux-ssa: building or finding bench/flux (cold build: several minutes)');
  const script = new URL('./flux/build.sh', import.meta.url).pathname;
  return (await run('bash', [script])).stdout.trim().split('\n').pop() ?? '';
}

/** Runs initial sync, no-op syncs, a one-object change and a 10% prune with Flux's engine. */
export async function runFlux(ctx: FluxContext): Promise<FluxResults> {
  const w = fluxWorkload(ctx);
  const dir = join(ctx.workDir, `${ctx.name}-flux`);
  const inventory = join(ctx.workDir, `${ctx.name}-flux-inventory.json`);
  await writeFiles(dir, toFiles(w));
  const objects = w.prereqs.length + w.members.length;
  const step = (what: string, expect: Record<string, number>): Promise<FluxStep> =>
    fluxSync(ctx, dir, inventory, what, expect);

  const initial = await step('initial sync', { created: objects });
  // As kustomize-controller's `wait: true` does, and as the agent's own initial sync does: the Deployments are
  // Available before the no-op trials, so their controller's last status writes cannot race the no-op's dry-runs
  // (seen: 2 of 1,000 reported configured when the no-op ran while the rollouts were finishing).
  await run('kubectl', [
    `--kubeconfig=${ctx.kubeconfig}`,
    'wait',
    '--for=condition=Available',
    'deployments',
    '--all',
    '--all-namespaces',
    '--timeout=300s',
  ]);
  const noop: FluxStep[] = [];
  for (let t = 0; t < ctx.trials; t++) noop.push(await step('no-op sync', { unchanged: objects }));
  const probe = w.members[w.probe];
  const probePath = w.paths[w.probe];
  if (!probe || !probePath) throw new Error('workload has no ConfigMap to change');
  const changed = { ...probe, data: { ...(probe['data'] as object), key: 'changed' } };
  await writeFiles(dir, { [probePath]: yaml(changed) });
  const change = await step('one-object change', { configured: 1 });
  for (const i of w.pruned) await rm(join(dir, w.paths[i] ?? ''), { force: true });
  const prune = await step('prune 10%', { deleted: w.pruned.length });
  return { objects, initial, noop, change, prune, pruned: w.pruned.length };
}

async function fluxSync(
  ctx: FluxContext,
  dir: string,
  inventory: string,
  what: string,
  expect: Record<string, number>,
): Promise<FluxStep> {
  const args = ['-kubeconfig', ctx.kubeconfig, '-dir', join(dir, 'manifests'), '-inventory', inventory];
  args.push('-name', ctx.name, '-namespace', 'flux-system', '-concurrency', String(ctx.concurrency));
  const res = await run(ctx.binary, args, { okCodes: null });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{'))
    throw new Error(`flux-ssa ${what} exited ${res.code}: ${res.stderr.slice(-2000)}`);
  const out = {
    ...(JSON.parse(line) as Omit<FluxStep, 'processMs'> & { error?: string }),
    processMs: res.ms,
  };
  const wrong = Object.entries(expect).filter(([action, n]) => (out.actions[action] ?? 0) !== n);
  if (out.error || wrong.length)
    throw new Error(
      `flux-ssa ${what}: actions ${JSON.stringify(out.actions)}, expected ${JSON.stringify(expect)}` +
        (out.error ? `: ${out.error.slice(0, 1000)}` : ''),
    );
  ctx.log(
    `flux ${what}: ${(out.ms / 1000).toFixed(2)}s (process ${(out.processMs / 1000).toFixed(2)}s, ` +
      `${out.maxRssMiB.toFixed(0)} MiB, requests ${JSON.stringify(out.requests)})`,
  );
  return out;
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}
