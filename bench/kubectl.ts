// The kubectl side of one size: `kubectl apply --server-side` (with ApplySet pruning under a cluster-scoped
// custom-resource parent) and `kubectl diff --server-side` on a separate copy of the same workload.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { applySetId, PART_OF_LABEL } from '../src/core/applyset.ts';
import type { KubeObject } from '../src/core/types.ts';
import { run, type ProcResult } from './proc.ts';
import { generate, toFiles, yaml, type Workload } from './workload.ts';

/** One kubectl measurement: wall time of every invocation it took, summed, and the requests they made. */
export interface KubectlStep {
  ms: number;
  requests: Record<string, number>;
}

/** Everything measured for kubectl at one size. */
export interface KubectlResults {
  objects: number;
  /** Whether `--prune --applyset` was used; false when kubectl refused it and plain SSA was measured. */
  applyset: boolean;
  applysetError?: string;
  initial: KubectlStep;
  noop: KubectlStep[];
  /** No-op re-applies without `--prune --applyset`, to separate kubectl's pruning cost. */
  noopPlain: KubectlStep[];
  diff: KubectlStep & { exitCode: number | null };
  /** Absent when skipped (reduced mode) to keep the run short. */
  prune?: KubectlStep & { pruned: number };
}

/** Where and how the kubectl phase of one size runs. */
export interface KubectlContext {
  kubeconfig: string;
  name: string;
  size: number;
  namespaces: number;
  workDir: string;
  trials: number;
  /** Reduced mode (for large sizes): one no-op trial, no run without --applyset, no prune. */
  reduced: boolean;
  log: (line: string) => void;
}

/** Group and kind of the cluster-scoped ApplySet parent type the bench installs for kubectl. */
export const PARENT_GROUP = 'bench.gitops-agent.io';
/** Cluster-scoped CRD whose custom resources may be ApplySet parents (kubectl needs one for multi-namespace sets). */
export const PARENT_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `applysets.${PARENT_GROUP}`,
    labels: { 'applyset.kubernetes.io/is-parent-type': 'true' },
  },
  spec: {
    group: PARENT_GROUP,
    scope: 'Cluster',
    names: { plural: 'applysets', singular: 'applyset', kind: 'ApplySet' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

/** The kubectl copy's workload (namespace prefix `<name>-k`, its own CRD group). */
export function kubectlWorkload(ctx: KubectlContext): Workload {
  const group = `k.${ctx.name.replace(/^bench-/, '')}.bench.gitops-agent.io`;
  return generate(ctx.size, { namespacePrefix: `${ctx.name}-k`, group, namespaces: ctx.namespaces });
}

/** Runs kubectl with the bench kubeconfig and `-v=6`, so every HTTP request it makes is logged and counted. */
export async function kubectl(
  kubeconfig: string,
  args: string[],
  okCodes: number[] = [0],
): Promise<ProcResult & { requests: Record<string, number> }> {
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_APPLYSET: 'true' };
  const res = await run('kubectl', ['-v=6', ...args], { env, okCodes });
  return { ...res, requests: countRequests(res.stderr) };
}

/** Runs initial apply, no-op re-applies, a diff and a 10% prune with kubectl. */
export async function runKubectl(ctx: KubectlContext): Promise<KubectlResults> {
  const w = kubectlWorkload(ctx);
  const dir = join(ctx.workDir, `${ctx.name}-kubectl`);
  await rm(dir, { recursive: true, force: true });
  const prereqs = join(dir, 'prereqs.yaml');
  await writeFile(await mkdirFor(prereqs), w.prereqs.map(yaml).join('---\n'));
  const main = join(dir, 'main');
  const diffDir = join(dir, 'diff');
  const parentName = ctx.name;
  const id = applySetId({ group: PARENT_GROUP, kind: 'ApplySet', namespace: '', name: parentName });
  await writeMembers(main, w, {});
  await writeMembers(diffDir, w, { [PART_OF_LABEL]: id });
  await createParent(ctx.kubeconfig, parentName, id);

  let applyset = true;
  let applysetError: string | undefined;
  const plainApply = ['apply', '--server-side', '-R', '-f', main];
  const applyMain = async (plain = false): Promise<ProcResult & { requests: Record<string, number> }> => {
    // Without --applyset the labelled copy is applied, so the members keep their part-of label.
    if (plain && applyset) return kubectl(ctx.kubeconfig, ['apply', '--server-side', '-R', '-f', diffDir]);
    if (plain || !applyset) return kubectl(ctx.kubeconfig, plainApply);
    const set = ['--prune', `--applyset=applysets.${PARENT_GROUP}/${parentName}`];
    const res = await kubectl(ctx.kubeconfig, [...plainApply, ...set], [0, 1]);
    if (res.code === 0) return res;
    // kubectl refused the ApplySet: measure plain SSA instead and say so in the table.
    applyset = false;
    applysetError = res.stderr.split('\n').find((l) => l.startsWith('error:')) ?? res.stderr.slice(-300);
    ctx.log(`kubectl --applyset failed (${applysetError}); measuring plain --server-side`);
    return kubectl(ctx.kubeconfig, plainApply);
  };
  const applyAll = async (plain = false): Promise<KubectlStep> => {
    const a = await kubectl(ctx.kubeconfig, ['apply', '--server-side', '-f', prereqs]);
    const b = await kubectl(ctx.kubeconfig, [
      'wait',
      '--for=condition=established',
      `crd/widgets.${w.group}`,
      '--timeout=120s',
    ]);
    const c = await applyMain(plain);
    return { ms: a.ms + b.ms + c.ms, requests: sum([a.requests, b.requests, c.requests]) };
  };

  const initial = await applyAll();
  ctx.log(`kubectl initial apply: ${(initial.ms / 1000).toFixed(2)}s ${JSON.stringify(initial.requests)}`);
  // Pods of the new Deployments are left to settle first, so they do not load the API server during no-ops.
  await waitDeployments(ctx.kubeconfig, w);
  const noop: KubectlStep[] = [];
  const trials = ctx.reduced ? 1 : ctx.trials;
  for (let t = 0; t < trials; t++) {
    noop.push(await applyAll());
    ctx.log(`kubectl no-op apply: ${((noop.at(-1)?.ms ?? 0) / 1000).toFixed(2)}s`);
  }
  const noopPlain: KubectlStep[] = [];
  for (let t = 0; t < (ctx.reduced ? 0 : trials); t++) {
    noopPlain.push(await applyAll(true));
    ctx.log(`kubectl no-op apply without prune: ${((noopPlain.at(-1)?.ms ?? 0) / 1000).toFixed(2)}s`);
  }
  const d = await kubectl(
    ctx.kubeconfig,
    ['diff', '--server-side', '-f', prereqs, '-R', '-f', diffDir],
    [0, 1],
  );
  const diff = { ms: d.ms, requests: d.requests, exitCode: d.code };
  ctx.log(`kubectl diff: ${(d.ms / 1000).toFixed(2)}s exit ${d.code}`);

  let prune: KubectlResults['prune'];
  if (!ctx.reduced) {
    for (const i of w.pruned) await rm(join(main, w.paths[i] ?? ''), { force: true });
    const a = await kubectl(ctx.kubeconfig, ['apply', '--server-side', '-f', prereqs]);
    const p = await applyMain();
    const pruned = p.stdout.split('\n').filter((l) => l.endsWith(' pruned')).length;
    prune = { ms: a.ms + p.ms, requests: sum([a.requests, p.requests]), pruned };
    ctx.log(`kubectl prune: ${(prune.ms / 1000).toFixed(2)}s, ${pruned} pruned`);
  }
  return {
    objects: w.prereqs.length + w.members.length,
    applyset,
    applysetError,
    initial,
    noop,
    noopPlain,
    diff,
    prune,
  };
}

/** Waits (untimed) until every Deployment of a workload is Available. */
export async function waitDeployments(kubeconfig: string, w: Workload): Promise<void> {
  const namespaces = new Set(
    w.members.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.namespace),
  );
  for (const ns of namespaces)
    await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'wait',
      '--for=condition=available',
      'deployments',
      '--all',
      '-n',
      ns ?? 'default',
      '--timeout=300s',
    ]);
}

async function createParent(kubeconfig: string, name: string, id: string): Promise<void> {
  const parent = {
    apiVersion: `${PARENT_GROUP}/v1`,
    kind: 'ApplySet',
    metadata: {
      name,
      labels: { 'applyset.kubernetes.io/id': id },
      annotations: {
        'applyset.kubernetes.io/tooling': 'kubectl/v1.32',
        'applyset.kubernetes.io/contains-group-kinds': '',
      },
    },
  };
  // kubectl refuses a custom-resource parent it would have to create, so it is made here, as kubectl's own.
  await run(
    'kubectl',
    ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=kubectl-applyset', '-f', '-'],
    {
      input: JSON.stringify(parent),
    },
  );
}

async function writeMembers(root: string, w: Workload, labels: Record<string, string>): Promise<void> {
  const files = toFiles({ ...w, prereqs: [] }, labels);
  for (const [path, text] of Object.entries(files)) await writeFile(await mkdirFor(join(root, path)), text);
}

async function mkdirFor(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  return file;
}

/** Counts the HTTP requests in kubectl's `-v=6` log by verb, with dry-runs and discovery apart. */
export function countRequests(stderr: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of stderr.matchAll(/round_trippers\.go:\d+\] (GET|POST|PUT|PATCH|DELETE) (\S+)/g)) {
    const [, method = '', url = ''] = m;
    const path = new URL(url).pathname;
    const verb = /dryRun=All/.test(url)
      ? 'DRYRUN'
      : /^\/openapi\//.test(path) || /^\/(api|apis)(\/[^/]+){0,2}$/.test(path)
        ? 'DISCOVERY'
        : method === 'GET' && /[?&](labelSelector|limit)=/.test(url)
          ? 'LIST'
          : method === 'PATCH'
            ? 'APPLY'
            : method;
    counts[verb] = (counts[verb] ?? 0) + 1;
  }
  return counts;
}

function sum(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}
