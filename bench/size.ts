// One workload size end to end: the agent's copy, kubectl's copy and the limit's copy of the same N objects
// in separate namespaces (each with its own CRD group) on the same API server, then cleanup.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitServer } from '../test/support/git-server.ts';
import { agentWorkload, runAgent, type AgentResults } from './agent.ts';
import { fluxWorkload, runFlux, type FluxResults } from './flux.ts';
import {
  kubectl,
  kubectlWorkload,
  PARENT_GROUP,
  runKubectl,
  waitDeployments,
  type KubectlResults,
} from './kubectl.ts';
import type { LimitInput, LimitOutput } from './limit.ts';
import { run, runNode } from './proc.ts';
import { generate, type Workload } from './workload.ts';

/** Everything measured at one size; a phase that threw leaves its error instead. */
export interface SizeResults {
  n: number;
  agent?: AgentResults;
  /** Flux's engine (bench/flux) on its own copy; absent with --no-flux. */
  flux?: FluxResults;
  kubectl?: KubectlResults;
  limit?: LimitOutput;
  errors: string[];
  cleanupMs: number;
}

/** What a size needs from the run. */
export interface SizeContext {
  kubeconfig: string;
  git: GitServer;
  runId: string;
  size: number;
  workDir: string;
  concurrency: number;
  trials: number;
  /** kubectl's reduced mode: one no-op trial, no run without --applyset, no prune. */
  reduced: boolean;
  /** Extra Node flags for the agent's processes. */
  agentNodeFlags: string[];
  /** Measure only the agent: no kubectl and no limit. */
  agentOnly: boolean;
  /** The flux-ssa binary, or undefined to skip Flux's engine. */
  fluxBinary: string | undefined;
  log: (line: string) => void;
}

const NAMESPACES = 10;

/** Measures one size: the limit, the agent, then kubectl; always cleans up what it created. */
export async function runSize(ctx: SizeContext): Promise<SizeResults> {
  const name = `bench-${ctx.runId}-${ctx.size}`;
  const base = { ...ctx, name, namespaces: NAMESPACES };
  const inventoryNamespace = `${name}-sys`;
  const out: SizeResults = { n: ctx.size, errors: [], cleanupMs: 0 };
  const phase = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      const msg = `${what}: ${err instanceof Error ? err.message : String(err)}`;
      ctx.log(`FAILED ${msg}`);
      out.errors.push(msg.slice(0, 1000));
      return undefined;
    }
  };
  try {
    await run('kubectl', ['--kubeconfig', ctx.kubeconfig, 'create', 'namespace', inventoryNamespace]);
    // The limit goes first and its pods settle before the agent starts, so the agent shares the cluster
    // with one more copy and kubectl with two: any bias from cluster state works against the agent.
    if (!ctx.agentOnly) out.limit = await phase('limit', () => runLimit(base));
    out.agent = await phase('agent', () => runAgent({ ...base, inventoryNamespace }));
    const binary = ctx.fluxBinary;
    if (binary) out.flux = await phase('flux', () => runFlux({ ...base, binary }));
    if (!ctx.agentOnly) out.kubectl = await phase('kubectl', () => runKubectl(base));
  } finally {
    const t = performance.now();
    await cleanup(ctx, name, inventoryNamespace).catch((err: unknown) =>
      out.errors.push(`cleanup: ${err instanceof Error ? err.message : String(err)}`),
    );
    out.cleanupMs = performance.now() - t;
    ctx.log(`size ${ctx.size}: cleaned up in ${(out.cleanupMs / 1000).toFixed(1)}s`);
  }
  return out;
}

function limitWorkload(name: string, size: number): Workload {
  const group = `l.${name.replace(/^bench-/, '')}.bench.gitops-agent.io`;
  return generate(size, { namespacePrefix: `${name}-l`, group, namespaces: NAMESPACES });
}

async function runLimit(ctx: SizeContext & { name: string }): Promise<LimitOutput> {
  const w = limitWorkload(ctx.name, ctx.size);
  const input: LimitInput = {
    kubeconfig: ctx.kubeconfig,
    concurrency: ctx.concurrency,
    phases: [w.prereqs, w.members],
  };
  const file = join(ctx.workDir, `${ctx.name}-limit.json`);
  await writeFile(file, JSON.stringify(input));
  const res = await runNode('./limit.ts', [file]);
  const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as LimitOutput;
  if (out.failures) throw new Error(`${out.failures} limit requests failed, first: ${out.firstError}`);
  ctx.log(`limit: ${(out.ms / 1000).toFixed(2)}s for ${out.requests} requests`);
  await waitDeployments(ctx.kubeconfig, w);
  return out;
}

/** Deletes every namespace, CRD and ApplySet parent of one size and waits until the namespaces are gone. */
async function cleanup(ctx: SizeContext, name: string, inventoryNamespace: string): Promise<void> {
  const shape = { ...ctx, name, namespaces: NAMESPACES };
  const copies = [
    agentWorkload({ ...shape, inventoryNamespace, git: ctx.git }),
    kubectlWorkload(shape),
    limitWorkload(name, ctx.size),
    fluxWorkload(shape),
  ];
  const namespaces = [inventoryNamespace, ...copies.flatMap((w) => w.namespaces)];
  const crds = copies.map((w) => `customresourcedefinition/widgets.${w.group}`);
  const del = (what: string[]): Promise<unknown> =>
    kubectl(ctx.kubeconfig, ['delete', '--ignore-not-found', '--wait=true', '--timeout=600s', ...what]);
  await del([`applysets.${PARENT_GROUP}/${name}`]);
  await del(crds);
  await del(namespaces.map((n) => `namespace/${n}`));
}
