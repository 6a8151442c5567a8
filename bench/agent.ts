// The agent's side of one size: every sync runs bench/agent-run.ts as its own process against a workload
// committed to the local Git server.
import { join } from 'node:path';
import type { SyncTarget } from '../src/core/types.ts';
import type { GitServer } from '../test/support/git-server.ts';
import type { AgentRunInput, AgentRunOutput } from './agent-run.ts';
import { run, runNode } from './proc.ts';
import { generate, toFiles, yaml, type Workload } from './workload.ts';

/** One agent sync as measured: the child's report plus the process's wall time. */
export interface AgentSync extends AgentRunOutput {
  processMs: number;
}

/** One drift trial: the kubectl patch that drifted the object, then the agent sync that restored it. */
export interface DriftTrial {
  patchMs: number;
  sync: AgentSync;
  restored: boolean;
}

/** Everything measured for the agent at one size. */
export interface AgentResults {
  objects: number;
  initial: AgentSync;
  noop: AgentSync[];
  diff: AgentSync;
  change: AgentSync;
  drift: DriftTrial[];
  prune: AgentSync;
  pruned: number;
}

/** Where and how the agent phase of one size runs. */
export interface AgentContext {
  kubeconfig: string;
  git: GitServer;
  /** Short unique name of this size in this run, e.g. `bench-k3x9z-1000`. */
  name: string;
  size: number;
  namespaces: number;
  /** Pre-created namespace for the inventory parent. */
  inventoryNamespace: string;
  workDir: string;
  concurrency: number;
  trials: number;
  /** Extra Node flags for the agent's processes. */
  agentNodeFlags: string[];
  log: (line: string) => void;
}

/** The agent copy's workload for a context (namespace prefix `<name>-a`, its own CRD group). */
export function agentWorkload(ctx: AgentContext): Workload {
  const group = `a.${ctx.name.replace(/^bench-/, '')}.bench.gitops-agent.io`;
  return generate(ctx.size, { namespacePrefix: `${ctx.name}-a`, group, namespaces: ctx.namespaces });
}

/** Runs initial sync, no-op syncs, diff, a one-object change, drift trials and a 10% prune. */
export async function runAgent(ctx: AgentContext): Promise<AgentResults> {
  const w = agentWorkload(ctx);
  const repo = await ctx.git.createRepo(ctx.name);
  await repo.commit(toFiles(w), `${ctx.size} objects`);
  const target: SyncTarget = {
    name: ctx.name,
    url: repo.url,
    ref: 'main',
    path: 'manifests',
    namespace: 'default',
    inventoryNamespace: ctx.inventoryNamespace,
    prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
    force: true,
    healthTimeoutSeconds: 300,
  };
  const input: AgentRunInput = {
    target,
    kubeconfig: ctx.kubeconfig,
    cacheDir: join(ctx.workDir, `${ctx.name}-git-cache`),
    mode: 'sync',
    concurrency: ctx.concurrency,
  };
  const sync = (what: string, expect: Record<string, number>, mode: 'sync' | 'diff' = 'sync') =>
    agentSync({ ...input, mode }, what, expect, ctx);
  const objects = w.prereqs.length + w.members.length;

  const initial = await sync('initial sync', { created: objects });
  const noop: AgentSync[] = [];
  for (let t = 0; t < ctx.trials; t++) noop.push(await sync('no-op sync', { unchanged: objects }));
  const diff = await sync('diff', { unchanged: objects }, 'diff');

  const probe = w.members[w.probe];
  const probePath = w.paths[w.probe];
  if (!probe || !probePath) throw new Error('workload has no ConfigMap to change');
  const changed = { ...probe, data: { ...(probe['data'] as object), key: 'changed' } };
  await repo.commit({ [probePath]: yaml(changed) }, 'change one object');
  const change = await sync('one-object change', { configured: 1 });

  const drift: DriftTrial[] = [];
  const ns = probe.metadata.namespace ?? 'default';
  for (let t = 0; t < ctx.trials; t++) {
    const patch = await run('kubectl', [
      '--kubeconfig',
      ctx.kubeconfig,
      'patch',
      'configmap',
      probe.metadata.name,
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { key: `drifted-${t}` } }),
    ]);
    const s = await sync('drift correction', { configured: 1 });
    const live = await run('kubectl', [
      '--kubeconfig',
      ctx.kubeconfig,
      'get',
      'configmap',
      probe.metadata.name,
      '-n',
      ns,
      '-o',
      'jsonpath={.data.key}',
    ]);
    drift.push({ patchMs: patch.ms, sync: s, restored: live.stdout.trim() === 'changed' });
  }

  const removed = Object.fromEntries(w.pruned.map((i) => [w.paths[i] ?? '', null]));
  await repo.commit(removed, 'remove 10% of the objects');
  const prune = await sync('prune 10%', { deleted: w.pruned.length });
  return { objects, initial, noop, diff, change, drift, prune, pruned: w.pruned.length };
}

/** Runs one agent sync in its own process and checks its outcome and actions against `expect`. */
export async function agentSync(
  input: AgentRunInput,
  what: string,
  expect: Record<string, number>,
  ctx: AgentContext,
): Promise<AgentSync> {
  const nodeArgs = ctx.agentNodeFlags;
  const res = await runNode('./agent-run.ts', [JSON.stringify(input)], { okCodes: null, nodeArgs });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.code !== 0 || !line.startsWith('{'))
    throw new Error(`agent ${what} exited ${res.code}: ${res.stderr.slice(-2000)}`);
  const out = { ...(JSON.parse(line) as AgentRunOutput), processMs: res.ms };
  const okOutcome = input.mode === 'diff' ? 'planned' : 'synced';
  const wrong = Object.entries(expect).filter(([action, n]) => (out.actions[action] ?? 0) !== n);
  if (out.outcome !== okOutcome || wrong.length)
    throw new Error(
      `agent ${what}: outcome ${out.outcome}, actions ${JSON.stringify(out.actions)}, expected ` +
        `${JSON.stringify(expect)}${out.error ? `: ${out.error}` : ''}` +
        (out.unhealthy ? `; ${out.unhealthy} not healthy, e.g. ${out.unhealthySample.join('; ')}` : ''),
    );
  ctx.log(
    `agent ${what}: ${(out.reconcileMs / 1000).toFixed(2)}s ` +
      `(process ${(out.processMs / 1000).toFixed(2)}s, ${out.maxRssMiB.toFixed(0)} MiB, ` +
      `requests ${JSON.stringify(out.requests)})`,
  );
  return out;
}
