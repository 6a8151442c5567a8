// The printed rows of the render comparison (plain YAML, Kustomize, Helm) and of the Git host's commit statuses.
import type { AgentSync } from './agent.ts';
import type { HostResults } from './host.ts';
import { median } from './proc.ts';
import type { RenderResults, RenderSync, RenderVariantResults } from './render.ts';
import type { Row } from './table.ts';

const EMPTY = { flux: '', kubectl: '', limit: '' };
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const ms = (v: number): string => `${v.toFixed(0)} ms`;
const total = (r: Record<string, number>): number => Object.values(r).reduce((s, v) => s + v, 0);
const applied = (s: AgentSync): number => s.reconcileMs - (s.timings['health'] ?? 0);
const render = (s: AgentSync): number => s.timings['render'] ?? 0;

/** Three rows per variant (initial sync, one-object change, no-op) and its peak RSS; ratios against plain YAML. */
export function renderRows(r: RenderResults | undefined): Row[] {
  if (!r) return [];
  const n = String(r.n);
  const plain = r.variants.find((v) => v.variant === 'plain');
  const rows: Row[] = [];
  for (const v of r.variants) {
    const row = (measurement: string, cells: Pick<Row, 'agent' | 'ratio' | 'requests'>): void =>
      void rows.push({ n, measurement: `${v.renderer}: ${measurement}`, ...EMPTY, ...cells });
    const step = (pick: (x: RenderVariantResults) => AgentSync[], wall: (s: AgentSync) => number) => {
      const syncs = pick(v);
      const base = plain && plain !== v ? pick(plain) : undefined;
      const wallMs = median(syncs.map(wall));
      const renderMs = median(syncs.map(render));
      const vsPlain = base
        ? `${(wallMs / median(base.map(wall))).toFixed(2)}× plain, render ` +
          `${signed(renderMs - median(base.map(render)))}`
        : '';
      return {
        agent: `${sec(wallMs)} · render ${ms(renderMs)}`,
        vsPlain,
        requests: `a ${total(syncs[0]!.requests)}`,
      };
    };
    const initial = step((x) => [x.initial], applied);
    row('initial sync, to applied (excl. health wait) · render stage', {
      agent: initial.agent,
      ratio: initial.vsPlain,
      requests: initial.requests,
    });
    const change = step(
      (x) => x.change,
      (s) => s.reconcileMs,
    );
    row(`one-object change, new commit (median of ${v.change.length}) · render stage`, {
      agent: change.agent,
      ratio: change.vsPlain,
      requests: change.requests,
    });
    const noop = step(
      (x) => x.noop,
      (s) => s.reconcileMs,
    );
    const reused = v.noop.filter((s) => s.renderReused).length;
    row(`no-op, same commit (median of ${v.noop.length}) · render stage`, {
      agent: noop.agent,
      ratio: `render reused ${reused}/${v.noop.length}${noop.vsPlain ? `, ${noop.vsPlain}` : ''}`,
      requests: noop.requests,
    });
    const peak = (list: number[]): string => (list.length ? Math.max(...list).toFixed(0) : '—');
    const rss = (list: RenderSync[]): string => peak(list.map((s) => s.maxRssMiB));
    const tool = (list: RenderSync[]): string => peak(list.flatMap((s) => s.toolMaxRssMiB ?? []));
    row('peak RSS, agent · tool (initial / change / no-op)', {
      agent: `${rss([v.initial])} / ${rss(v.change)} / ${rss(v.noop)} MiB`,
      ratio: '',
      requests:
        v.variant === 'plain' ? '' : `tool ${tool([v.initial])} / ${tool(v.change)} / ${tool(v.noop)} MiB`,
    });
  }
  for (const e of r.errors)
    rows.push({
      n,
      measurement: `FAILED ${e.split('\n')[0]?.slice(0, 100)}`,
      ...EMPTY,
      agent: '',
      ratio: '',
      requests: '',
    });
  return rows;
}

/** Stage timings and requests by verb of each render copy's first syncs, for the profile block. */
export function renderProfile(r: RenderResults | undefined): string[] {
  if (!r) return [];
  const fmt = (o: Record<string, number>, unit: string): string =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}${unit}`)
      .join(' ');
  return r.variants.flatMap((v) =>
    (
      [
        ['initial', v.initial],
        ['change', v.change[0]],
        ['no-op', v.noop[0]],
      ] as const
    ).flatMap(([what, s]) =>
      s
        ? [
            `N=${r.n} ${v.variant.padEnd(9)} ${what.padEnd(7)} ${sec(s.reconcileMs).padStart(8)}  stages ` +
              `${fmt(s.timings, 'ms')}  requests ${fmt(s.requests, '')}`,
          ]
        : [],
    ),
  );
}

/** The commit-status rows: latency after the sync, requests per new commit, and what no-op syncs send. */
export function hostRows(h: HostResults | undefined): Row[] {
  if (!h) return [];
  const base = { n: 'run', ...EMPTY };
  const t = h.trials;
  const statusMs = t.map((x) => x.statusMs);
  const p90 = [...statusMs].sort((a, b) => a - b)[Math.ceil(statusMs.length * 0.9) - 1] ?? NaN;
  const noopSyncs = t.reduce((s, x) => s + x.noopSyncs, 0);
  const noopPosts = t.reduce((s, x) => s + x.noopPosts, 0);
  const noopReads = t.reduce((s, x) => s + x.noopReads, 0);
  return [
    {
      ...base,
      measurement: `${h.provider} status: sync end (agent log) → final status on the server (median of ${t.length})`,
      agent: ms(median(statusMs)),
      ratio: `p90 ${ms(p90)}; sync itself ${ms(median(t.map((x) => x.syncMs)))}`,
      requests: '',
    },
    {
      ...base,
      measurement: `${h.provider} status: host requests of a new-commit sync (pending + verdict, median)`,
      agent: `${median(t.map((x) => x.reads + x.posts))}`,
      ratio: '',
      requests: `${median(t.map((x) => x.reads))} reads · ${median(t.map((x) => x.posts))} posts`,
    },
    {
      ...base,
      measurement: `${h.provider} status: interval no-op syncs of the same commit (${noopSyncs}, every ${h.interval})`,
      agent: `${(noopReads / noopSyncs).toFixed(1)} requests/sync`,
      ratio: noopPosts === 0 ? 'nothing posted again' : reposted(t),
      requests: `${noopReads} reads · ${noopPosts} posts`,
    },
  ];
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`;
}

// Which statuses the no-op syncs posted again: the same state with a new description, or another state.
function reposted(trials: HostResults['trials']): string {
  const all = trials.flatMap((t) =>
    t.reposted.map((r) => ({ r, sameState: r.split(':')[0] === t.verdict.split(':')[0] })),
  );
  const same = all.filter((x) => x.sameState).length;
  const example = all[0]
    ? `, e.g. "${all[0].r}" after "${trials.find((t) => t.reposted.length)?.verdict}"`
    : '';
  return `POSTED AGAIN ${all.length}× (${same} same state, new description${example})`;
}
