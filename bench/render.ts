// The cost of rendering: the same N-object workload synced as plain YAML, through a kustomization.yaml and
// from a local Helm chart, each its own copy (namespaces, CRD group, repository, target), with the real
// kustomize and helm binaries the tests use.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject, SyncTarget } from '../src/core/types.ts';
import type { GitServer } from '../test/support/git-server.ts';
import { agentSync, type AgentSync } from './agent.ts';
import { kubectl } from './kubectl.ts';
import { run } from './proc.ts';
import { generate, withLabels, yaml, type Workload } from './workload.ts';

/** How a copy of the workload is committed: one file per object, a kustomization over them, or a chart. */
export type RenderVariant = 'plain' | 'kustomize' | 'helm';

/** One sync of a render copy, with the peak RSS of the tool runs it made (none for plain YAML or a reused render). */
export interface RenderSync extends AgentSync {
  toolMaxRssMiB?: number;
}

/** What one variant measured: the initial sync, one-object changes (new commits) and no-ops (same commit). */
export interface RenderVariantResults {
  variant: RenderVariant;
  /** The renderer the sync reported, e.g. `kustomize v5.8.1`. */
  renderer: string;
  objects: number;
  initial: RenderSync;
  change: RenderSync[];
  noop: RenderSync[];
}

/** The render rows' figures at one size; a variant that threw leaves its error instead. */
export interface RenderResults {
  n: number;
  variants: RenderVariantResults[];
  errors: string[];
  cleanupMs: number;
}

/** What the render rows need from the run. */
export interface RenderContext {
  kubeconfig: string;
  git: GitServer;
  runId: string;
  size: number;
  workDir: string;
  concurrency: number;
  trials: number;
  agentNodeFlags: string[];
  log: (line: string) => void;
}

const NAMESPACES = 10;
const VARIANTS: readonly RenderVariant[] = ['plain', 'kustomize', 'helm'];
const LABEL = 'bench-render';
const PLACEHOLDER = '__BENCH_RENDER__';

/** The tools of the render rows; each run's peak RSS is appended to a log that `peakMiB` reads and empties. */
interface RenderTools {
  /** The largest peak RSS of the tool runs since the last call, or undefined when none ran. */
  peakMiB(): Promise<number | undefined>;
}

/**
 * Points the agent at the cached real kustomize and helm (`$GITOPS_AGENT_KUSTOMIZE`, `$GITOPS_AGENT_HELM`),
 * building them with test/tools/build.sh first when they are missing, as the integration tests' setup does.
 * Each is run through a two-line wrapper, `exec /usr/bin/time` of the real binary, which records the tool's
 * peak RSS; the agent's memory watchdog then watches `time` instead of the tool, so the cap is not enforced
 * in these rows.
 */
async function renderTools(ctx: RenderContext): Promise<RenderTools> {
  const rssLog = join(ctx.workDir, 'render-tools-rss.log');
  await writeFile(rssLog, '');
  for (const tool of ['kustomize', 'helm'] as const) {
    const script = join(import.meta.dirname, '..', 'test', 'tools', 'build.sh');
    const binary = (await run('bash', [script, tool])).stdout.trim().split('\n').pop() ?? '';
    const wrapper = join(ctx.workDir, `${tool}-timed`);
    const text = `#!/bin/sh\nexec /usr/bin/time -a -o '${rssLog}' -f %M '${binary}' "$@"\n`;
    await writeFile(wrapper, text, { mode: 0o755 });
    process.env[tool === 'kustomize' ? 'GITOPS_AGENT_KUSTOMIZE' : 'GITOPS_AGENT_HELM'] = wrapper;
    ctx.log(`render: ${tool} at ${binary}, run under /usr/bin/time`);
  }
  return {
    async peakMiB() {
      const kib = (await readFile(rssLog, 'utf8')).split('\n').filter(Boolean).map(Number);
      await writeFile(rssLog, '');
      return kib.length ? Math.max(...kib) / 1024 : undefined;
    },
  };
}

/** Measures the three variants one after another at one size; always deletes what it created. */
export async function runRender(ctx: RenderContext): Promise<RenderResults> {
  const name = `bench-${ctx.runId}-r${ctx.size}`;
  const inventoryNamespace = `${name}-sys`;
  const out: RenderResults = { n: ctx.size, variants: [], errors: [], cleanupMs: 0 };
  try {
    const tools = await renderTools(ctx);
    await kubectl(ctx.kubeconfig, ['create', 'namespace', inventoryNamespace]);
    for (const variant of VARIANTS) {
      try {
        out.variants.push(await runVariant(ctx, tools, name, inventoryNamespace, variant));
      } catch (err) {
        const msg = `render ${variant}: ${err instanceof Error ? err.message : String(err)}`;
        ctx.log(`FAILED ${msg}`);
        out.errors.push(msg.slice(0, 1000));
      }
    }
  } finally {
    const t = performance.now();
    const copies = VARIANTS.map((v) => workloadOf(name, v, ctx.size));
    const del = (what: string[]): Promise<unknown> =>
      kubectl(ctx.kubeconfig, ['delete', '--ignore-not-found', '--wait=true', '--timeout=600s', ...what]);
    await del(copies.map((w) => `customresourcedefinition/widgets.${w.group}`))
      .then(() =>
        del([inventoryNamespace, ...copies.flatMap((w) => w.namespaces)].map((n) => `namespace/${n}`)),
      )
      .catch((err: unknown) =>
        out.errors.push(`cleanup: ${err instanceof Error ? err.message : String(err)}`),
      );
    out.cleanupMs = performance.now() - t;
    ctx.log(`render ${ctx.size}: cleaned up in ${(out.cleanupMs / 1000).toFixed(1)}s`);
  }
  return out;
}

function workloadOf(name: string, variant: RenderVariant, size: number): Workload {
  const copy = variant[0] ?? 'x';
  const group = `${copy}.${name.replace(/^bench-/, '')}.bench.gitops-agent.io`;
  return generate(size, { namespacePrefix: `${name}-${copy}`, group, namespaces: NAMESPACES });
}

async function runVariant(
  ctx: RenderContext,
  tools: RenderTools,
  name: string,
  inventoryNamespace: string,
  variant: RenderVariant,
): Promise<RenderVariantResults> {
  const w = workloadOf(name, variant, ctx.size);
  const repo = await ctx.git.createRepo(`${name}-${variant}`);
  const layout = layoutOf(variant, w);
  await repo.commit(layout.files, `${ctx.size} objects as ${variant}`);
  const target: SyncTarget = {
    name: `${name}-${variant}`,
    url: repo.url,
    ref: 'main',
    path: layout.path,
    namespace: 'default',
    inventoryNamespace,
    prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
    force: true,
    healthTimeoutSeconds: 300,
  };
  const input = {
    target,
    kubeconfig: ctx.kubeconfig,
    cacheDir: join(ctx.workDir, `${name}-${variant}-git-cache`),
    mode: 'sync' as const,
    concurrency: ctx.concurrency,
  };
  const agentCtx = { ...ctx, name, namespaces: NAMESPACES, inventoryNamespace };
  const sync = async (what: string, expect: Record<string, number>): Promise<RenderSync> => {
    await tools.peakMiB();
    const s = await agentSync(input, `${variant} ${what}`, expect, agentCtx);
    return { ...s, toolMaxRssMiB: await tools.peakMiB() };
  };
  const objects = w.prereqs.length + w.members.length;
  const initial = await sync('initial sync', { created: objects });
  const probe = w.members[w.probe];
  if (!probe) throw new Error('workload has no ConfigMap to change');
  const change: RenderSync[] = [];
  const noop: RenderSync[] = [];
  for (let t = 0; t < ctx.trials; t++) {
    const changed = { ...probe, data: { ...(probe['data'] as object), key: `changed-${t}` } };
    await repo.commit(layout.fileOf(w.probe, changed), `change one object (${t})`);
    change.push(await sync('one-object change', { configured: 1 }));
    noop.push(await sync('no-op sync', { unchanged: objects }));
  }
  const renderer = initial.renderer ?? 'unknown';
  if (renderer.split(' ')[0] !== variant) throw new Error(`${variant} copy was rendered by ${renderer}`);
  return { variant, renderer, objects, initial, change, noop };
}

interface Layout {
  path: string;
  files: Record<string, string>;
  /** The file (path → text) of member `i` with `object` as its content, for a one-object change. */
  fileOf(i: number, object: KubeObject): Record<string, string>;
}

// Each variant renders to the same objects, plus one label whose value the tool sets (kustomize's `labels`
// transformer, helm's values; committed as is in plain YAML), so the tool touches every object; selectors
// are left alone.
function layoutOf(variant: RenderVariant, w: Workload): Layout {
  const dir = variant === 'helm' ? 'chart/templates' : 'manifests';
  const text = (o: KubeObject): string =>
    variant === 'plain'
      ? yaml(withLabels(o, { [LABEL]: 'plain' }))
      : variant === 'helm'
        ? yaml(withLabels(o, { [LABEL]: PLACEHOLDER })).replace(PLACEHOLDER, '{{ .Values.benchRender }}')
        : yaml(o);
  const memberPath = (i: number): string => (w.paths[i] ?? '').replace(/^manifests\//, `${dir}/`);
  const files: Record<string, string> = {};
  w.prereqs.forEach((o, i) => (files[`${dir}/prereqs/${String(i).padStart(2, '0')}.yaml`] = text(o)));
  w.members.forEach((o, i) => (files[memberPath(i)] = text(o)));
  if (variant === 'kustomize')
    files['manifests/kustomization.yaml'] = stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      labels: [{ pairs: { [LABEL]: 'kustomize' } }],
      resources: Object.keys(files).map((p) => p.slice('manifests/'.length)),
    });
  if (variant === 'helm') {
    files['chart/Chart.yaml'] = 'apiVersion: v2\nname: bench\nversion: 0.1.0\n';
    files['chart/values.yaml'] = 'benchRender: helm\n';
  }
  return {
    path: variant === 'helm' ? 'chart' : 'manifests',
    files,
    fileOf: (i, o) => ({ [memberPath(i)]: text(o) }),
  };
}
