// Child process of the benchmark: one agent reconcile, reported as one JSON line with the process's own
// peak RSS and CPU time, so the figures are the agent's and not the benchmark driver's.
import { reconcile } from '../src/sync/reconcile.ts';
import type { SyncTarget } from '../src/core/types.ts';
import type { SyncEvent } from '../src/sync/events.ts';
import { Kube } from '../src/kube/objects.ts';
import { preferSmallHeap } from '../src/core/memory.ts';

/** What the driver passes (as JSON in argv[2]). */
export interface AgentRunInput {
  target: SyncTarget;
  kubeconfig: string;
  cacheDir: string;
  mode: 'sync' | 'diff';
  concurrency: number;
}

/** What the child prints: the SyncResult's figures plus its own resource usage. */
export interface AgentRunOutput {
  outcome: string;
  error?: string;
  commit?: string;
  /** Count of changes by action (created, configured, unchanged, deleted, …). */
  actions: Record<string, number>;
  timings: Record<string, number>;
  requests: Record<string, number>;
  /** Health entries not Current at the end, and the first few of them. */
  unhealthy: number;
  unhealthySample: string[];
  /** Wall time of reconcile() itself, in ms. */
  reconcileMs: number;
  /** Time from process start to the reconcile call (Node start-up and imports), in ms. */
  startupMs: number;
  maxRssMiB: number;
  cpuSeconds: number;
  /** The tool that rendered and its version (`kustomize v5.8.1`), or `plain`. */
  renderer?: string;
  /** Whether the render stage reused the last render instead of running the tool or parsing the files. */
  renderReused: boolean;
}

// The same V8 setting the CLI's main() applies, so the figures are the agent's.
preferSmallHeap();
const input = JSON.parse(process.argv[2] ?? '{}') as AgentRunInput;
const startupMs = performance.now();
const kube = Kube.load(input.kubeconfig, { concurrency: input.concurrency });
const start = performance.now();
let renderReused = false;
const onEvent = (e: SyncEvent): void => void (e.type === 'render-reused' && (renderReused = true));
const result = await reconcile(
  input.target,
  { kube, cacheDir: input.cacheDir, version: 'bench', onEvent },
  { mode: input.mode },
);
const reconcileMs = performance.now() - start;
kube.close();
const actions: Record<string, number> = {};
for (const c of result.changes) actions[c.action] = (actions[c.action] ?? 0) + 1;
const usage = process.resourceUsage();
const output: AgentRunOutput = {
  outcome: result.outcome,
  error: result.error ? `${result.error.stage}: ${result.error.message.slice(0, 2000)}` : undefined,
  commit: result.commit,
  actions,
  timings: result.timings,
  requests: result.requests,
  unhealthy: result.health.filter((h) => h.status !== 'Current').length,
  unhealthySample: result.health
    .filter((h) => h.status !== 'Current')
    .slice(0, 3)
    .map((h) => `${h.ref.kind} ${h.ref.namespace}/${h.ref.name}: ${h.status} ${h.message}`),
  reconcileMs,
  startupMs,
  maxRssMiB: usage.maxRSS / 1024,
  cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  renderer: result.renderer && [result.renderer.tool, result.renderer.version].filter(Boolean).join(' '),
  renderReused,
};
process.stdout.write(JSON.stringify(output) + '\n');
