// Turns the measurements into the printed table, the targets block and the per-sync profile.
import type { AgentSync } from './agent.ts';
import type { ContinuousResults } from './continuous.ts';
import type { GitResults } from './git-bench.ts';
import type { LargeRepoResult } from './large-repo.ts';
import type { KubectlStep } from './kubectl.ts';
import { median } from './proc.ts';
import type { SizeResults } from './size.ts';

/** One printed row; cells are already formatted. */
export interface Row {
  n: string;
  measurement: string;
  agent: string;
  /** Flux's engine (github.com/fluxcd/pkg/ssa ApplyAllStaged, bench/flux). */
  flux: string;
  kubectl: string;
  limit: string;
  ratio: string;
  requests: string;
}

/** One target with whether the run met it. */
export interface Target {
  text: string;
  status: 'met' | 'unmet' | 'not measured' | 'needs the continuous agent';
  detail: string;
}

const sec = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
const x = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;
const total = (r: Record<string, number>): number => Object.values(r).reduce((s, v) => s + v, 0);
const mid = <T>(list: T[], f: (t: T) => number): number => median(list.map(f));
const applyMs = (s: AgentSync): number => s.reconcileMs - (s.timings['health'] ?? 0);

/** The rows of one size. */
export function sizeRows(r: SizeResults): Row[] {
  const n = String(r.n);
  const rows: Row[] = [];
  const row = (m: string, cells: Partial<Row>): void => {
    const empty = { agent: '', flux: '', kubectl: '', limit: '', ratio: '', requests: '' };
    rows.push({ n, measurement: m, ...empty, ...cells });
  };
  const a = r.agent;
  const f = r.flux;
  const k = r.kubectl;
  const l = r.limit;
  const fNoop = f ? mid(f.noop, (s) => s.ms) : undefined;
  const fx = (agentMs?: number, fMs?: number): string =>
    agentMs !== undefined && fMs !== undefined ? `f/a ${x(fMs, agentMs)}` : '';
  const join = (...parts: string[]): string => parts.filter(Boolean).join(', ');
  const fReqs = (st?: { requests: Record<string, number> }): string =>
    st ? ` · f ${total(st.requests)}` : '';
  const reqs = (s?: AgentSync, ks?: KubectlStep, lim?: number): string =>
    [s && `a ${total(s.requests)}`, ks && `k ${total(ks.requests)}`, lim !== undefined && `l ${lim}`]
      .filter(Boolean)
      .join(' · ');
  const ratios = (agentMs?: number, kMs?: number, lMs?: number): string =>
    [
      agentMs !== undefined && kMs !== undefined && `k/a ${x(kMs, agentMs)}`,
      agentMs !== undefined && lMs !== undefined && `a/l ${x(agentMs, lMs)}`,
    ]
      .filter(Boolean)
      .join(', ');
  const kNoop = k && k.noop.length ? mid(k.noop, (s) => s.ms) : undefined;
  const aNoop = a ? mid(a.noop, (s) => s.reconcileMs) : undefined;
  const applyset = k ? (k.applyset ? ' (--applyset)' : ' (plain SSA: --applyset refused)') : '';
  row(`initial sync, to applied (excl. health wait)${applyset}`, {
    agent: sec(a && applyMs(a.initial)),
    flux: sec(f?.initial.ms),
    kubectl: sec(k?.initial.ms),
    limit: sec(l?.ms),
    ratio: join(
      ratios(a && applyMs(a.initial), k?.initial.ms, l?.ms),
      fx(a && applyMs(a.initial), f?.initial.ms),
    ),
    requests: reqs(a?.initial, k?.initial, l?.requests) + fReqs(f?.initial),
  });
  row('initial sync: health wait (Deployments Available)', { agent: sec(a?.initial.timings['health']) });
  row(`no-op sync, same commit (median of ${a?.noop.length ?? k?.noop.length ?? 0})`, {
    agent: sec(aNoop),
    flux: sec(fNoop),
    kubectl: sec(kNoop),
    ratio: join(ratios(aNoop, kNoop), fx(aNoop, fNoop)),
    requests: reqs(a?.noop[0], k?.noop[0]) + fReqs(f?.noop[0]),
  });
  const kPlain = k && k.noopPlain.length ? mid(k.noopPlain, (s) => s.ms) : undefined;
  row('no-op, kubectl without --prune --applyset (median)', {
    agent: sec(aNoop),
    kubectl: k && !k.noopPlain.length ? 'skipped (N > 1000)' : sec(kPlain),
    ratio: ratios(aNoop, kPlain),
    requests: reqs(a?.noop[0], k?.noopPlain[0]),
  });
  row('diff, nothing changed', {
    agent: sec(a?.diff.reconcileMs),
    kubectl: sec(k?.diff.ms) + (k && k.diff.exitCode !== 0 ? ` (exit ${k.diff.exitCode})` : ''),
    ratio: ratios(a?.diff.reconcileMs, k?.diff.ms),
    requests: reqs(a?.diff, k?.diff),
  });
  row('one-object change (new commit)', {
    agent: sec(a?.change.reconcileMs),
    flux: sec(f?.change.ms),
    ratio: fx(a?.change.reconcileMs, f?.change.ms),
    requests: reqs(a?.change) + fReqs(f?.change),
  });
  if (a) {
    const patch = mid(a.drift, (d) => d.patchMs);
    const syncMs = mid(a.drift, (d) => d.sync.reconcileMs);
    const restored = a.drift.filter((d) => d.restored).length;
    row(`drift: kubectl patch → one agent sync (median of ${a.drift.length}, not continuous)`, {
      agent: `${sec(patch + syncMs)} (patch ${sec(patch)} + sync ${sec(syncMs)})`,
      ratio: `${restored}/${a.drift.length} restored`,
      requests: reqs(a.drift[0]?.sync),
    });
  }
  row(`prune 10% (${a?.pruned ?? k?.prune?.pruned ?? 0} objects)`, {
    agent: sec(a?.prune.reconcileMs),
    flux: sec(f?.prune.ms),
    kubectl: k?.prune ? `${sec(k.prune.ms)} (${k.prune.pruned} pruned)` : k ? 'skipped (N > 1000)' : '',
    ratio: join(ratios(a?.prune.reconcileMs, k?.prune?.ms), fx(a?.prune.reconcileMs, f?.prune.ms)),
    requests: reqs(a?.prune, k?.prune) + fReqs(f?.prune),
  });
  if (a) {
    const all = allSyncs(a);
    row('agent process start-up (Node + imports, median)', { agent: sec(mid(all, (s) => s.startupMs)) });
    row('agent peak RSS (initial / no-op / max of all syncs)', {
      agent: `${mib(a.initial.maxRssMiB)} / ${mib(a.noop[0]?.maxRssMiB)} / ${mib(Math.max(...all.map((s) => s.maxRssMiB)))}`,
      flux: f ? `${mib(f.initial.maxRssMiB)} / ${mib(f.noop[0]?.maxRssMiB)}` : '',
      limit: l ? mib(l.maxRssMiB) : '',
    });
    row('agent CPU seconds (initial / no-op)', {
      agent: `${a.initial.cpuSeconds.toFixed(2)} / ${(a.noop[0]?.cpuSeconds ?? 0).toFixed(2)}`,
      limit: l ? l.cpuSeconds.toFixed(2) : '',
    });
  }
  for (const e of r.errors) row(`FAILED ${e.split('\n')[0]?.slice(0, 100)}`, {});
  return rows;
}

/** The git rows: isomorphic-git in the agent column, native git in the kubectl/git column. */
export function gitRows(g: GitResults): Row[] {
  const n = `${g.commits}c`;
  const rss = (a: { maxRssMiB: number }, b: { maxRssMiB: number }): string =>
    `RSS ${mib(a.maxRssMiB)} · git ${mib(b.maxRssMiB)}`;
  return (
    [
      ['git initial clone', g.iso.clone, g.native.clone],
      [`git fetch, nothing new (a poll; median of ${g.iso.trials.poll.length})`, g.iso.poll, g.native.poll],
      [
        `git incremental fetch, 1 new commit (median of ${g.iso.trials.fetch.length})`,
        g.iso.fetch,
        g.native.fetch,
      ],
    ] as const
  ).map(([m, iso, nat]) => ({
    n,
    measurement: m,
    agent: sec(iso.ms),
    flux: '',
    kubectl: sec(nat.ms),
    limit: '',
    ratio: `a/git ${x(iso.ms, nat.ms)}`,
    requests: rss(iso, nat),
  }));
}

/** The memory row of one large repository: fetchSource in the agent column, native git beside it. */
export function largeRow(r: LargeRepoResult): Row {
  return {
    n: `${r.packMiB.toFixed(0)}M`,
    measurement: `clone: ${r.description}`,
    agent: sec(r.agent.ms),
    flux: '',
    kubectl: sec(r.native.ms),
    limit: '',
    ratio: `a/git ${x(r.agent.ms, r.native.ms)}`,
    requests: `RSS ${mib(r.agent.maxRssMiB)} · git ${mib(r.native.maxRssMiB)}`,
  };
}

/** The continuous agent's rows: drift undone by its watches, and one agent's memory with 20 targets. */
export function continuousRows(c: ContinuousResults | undefined): Row[] {
  if (!c) return [];
  const base = { flux: '', kubectl: '', limit: '' };
  const ms = (v: number): string => `${v.toFixed(0)} ms`;
  const p90 = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.ceil(v.length * 0.9) - 1] ?? NaN;
  return [
    {
      ...base,
      n: 'run',
      measurement: `drift: kubectl edit → undone by the agent's watch (median of ${c.editMs.length})`,
      agent: ms(median(c.editMs)),
      ratio: `p90 ${ms(p90(c.editMs))}`,
      requests: '',
    },
    {
      ...base,
      n: 'run',
      measurement: `drift: kubectl delete → re-created by the agent's watch (median of ${c.deleteMs.length})`,
      agent: ms(median(c.deleteMs)),
      ratio: `p90 ${ms(p90(c.deleteMs))}`,
      requests: '',
    },
    {
      ...base,
      n: `${c.targets}×${c.objectsPerTarget}`,
      measurement: 'one agent, 20 targets: idle RSS with every watch open / peak RSS',
      agent: `${mib(c.idleRssMiB)} / ${mib(c.peakRssMiB)}`,
      ratio: `first syncs ${c.firstSyncsS.toFixed(1)} s`,
      requests: '',
    },
  ];
}

/** Evaluates the targets against whatever sizes ran. */
export function targets(
  sizes: SizeResults[],
  histories: GitResults[],
  large: LargeRepoResult[],
  continuous?: ContinuousResults,
): Target[] {
  const git = histories.at(-1);
  const at = (n: number): SizeResults | undefined => sizes.find((s) => s.n === n);
  const out: Target[] = [];
  const s1k = at(1000);
  const judge = (text: string, ok: boolean | undefined, detail: string): void => {
    out.push({ text, status: ok === undefined ? 'not measured' : ok ? 'met' : 'unmet', detail });
  };
  const a = s1k?.agent;
  const k = s1k?.kubectl;
  const aNoop = a ? mid(a.noop, (s) => s.reconcileMs) : undefined;
  const noop = aNoop && k?.noop.length ? mid(k.noop, (s) => s.ms) / aNoop : undefined;
  const plain = aNoop && k?.noopPlain.length ? mid(k.noopPlain, (s) => s.ms) / aNoop : undefined;
  // Judged against the faster kubectl variant, so kubectl's throttled prune LISTs cannot carry the target.
  const worst = noop === undefined || plain === undefined ? (noop ?? plain) : Math.min(noop, plain);
  judge(
    'no-op sync of 1,000 objects ≥ 10× faster than kubectl apply --server-side',
    worst === undefined ? undefined : worst >= 10,
    worst === undefined
      ? 'size 1000 not measured'
      : `${plain?.toFixed(1)}× vs plain --server-side, ${noop?.toFixed(1)}× vs --prune --applyset`,
  );
  const l = s1k?.limit;
  const init = a && k ? k.initial.ms / applyMs(a.initial) : undefined;
  const vsLimit = a && l ? applyMs(a.initial) / l.ms : undefined;
  judge(
    'initial sync of 1,000 objects ≥ 3× faster than kubectl',
    init === undefined ? undefined : init >= 3,
    init === undefined ? 'size 1000 not measured' : `${init.toFixed(1)}×`,
  );
  judge(
    'initial sync of 1,000 objects within 2× of the limit',
    vsLimit === undefined ? undefined : vsLimit <= 2,
    vsLimit === undefined ? 'size 1000 not measured' : `${vsLimit.toFixed(1)}× the limit`,
  );
  const driftMedian = continuous
    ? Math.max(median(continuous.editMs), median(continuous.deleteMs))
    : undefined;
  judge(
    'drift correction < 1 s (median), kubectl edit and kubectl delete undone by the running agent',
    driftMedian === undefined ? undefined : driftMedian < 1000,
    continuous
      ? `edit ${median(continuous.editMs).toFixed(0)} ms, delete ${median(continuous.deleteMs).toFixed(0)} ms (medians of ${continuous.editMs.length})`
      : 'continuous agent not measured',
  );
  judge(
    'one agent with 20 targets of 250 objects, idle with all watches open, < 150 MiB RSS',
    continuous ? continuous.idleRssMiB < 150 : undefined,
    continuous
      ? `${mib(continuous.idleRssMiB)} idle, ${mib(continuous.peakRssMiB)} peak`
      : 'continuous agent not measured',
  );
  const s5k = at(5000)?.agent;
  const rss = s5k ? Math.max(...allSyncs(s5k).map((s) => s.maxRssMiB)) : undefined;
  judge(
    '5,000 objects synced with agent peak RSS < 300 MiB',
    rss === undefined ? undefined : rss < 300,
    rss === undefined ? 'size 5000 not measured' : mib(rss),
  );
  const f = s1k?.flux;
  const fNoop = f && aNoop ? mid(f.noop, (st) => st.ms) / aNoop : undefined;
  judge(
    "no-op sync of 1,000 objects ≥ 10× faster than Flux's engine",
    fNoop === undefined ? undefined : fNoop >= 10,
    fNoop === undefined
      ? 'size 1000 with Flux not measured'
      : `${fNoop.toFixed(1)}× (agent ${sec(aNoop)}, ${total(a?.noop[0]?.requests ?? {})} requests; ` +
          `Flux ${sec(mid(f?.noop ?? [], (st) => st.ms))}, ${total(f?.noop[0]?.requests ?? {})} requests)`,
  );
  const fInit = f && a ? applyMs(a.initial) / f.initial.ms : undefined;
  judge(
    "initial sync of 1,000 objects within 1.2× of Flux's engine",
    fInit === undefined ? undefined : fInit <= 1.2,
    fInit === undefined
      ? 'size 1000 with Flux not measured'
      : `${fInit.toFixed(2)}× (agent ${sec(a && applyMs(a.initial))}, Flux ${sec(f?.initial.ms)})`,
  );
  const s10k = at(10000)?.agent;
  const rss10k = s10k ? Math.max(...allSyncs(s10k).map((st) => st.maxRssMiB)) : undefined;
  judge(
    '10,000 objects synced with agent peak RSS < 300 MiB',
    rss10k === undefined ? undefined : rss10k < 300,
    rss10k === undefined ? 'size 10000 not measured' : mib(rss10k),
  );
  const noop10k = s10k ? mid(s10k.noop, (st) => st.reconcileMs) : undefined;
  judge(
    'no-op sync of 10,000 objects < 2 s',
    noop10k === undefined ? undefined : noop10k < 2000,
    noop10k === undefined ? 'size 10000 not measured' : `${sec(noop10k)} median`,
  );
  const fetch = git ? git.iso.fetch.ms / git.native.fetch.ms : undefined;
  judge(
    'incremental fetch within 2× of native git',
    fetch === undefined ? undefined : fetch <= 2,
    fetch === undefined ? 'git rows not measured' : `${fetch.toFixed(1)}× native`,
  );
  const clones = histories.map(
    (h) => `${h.commits} commits ${mib(h.iso.clone.maxRssMiB)} in ${sec(h.iso.clone.ms)}`,
  );
  const [fewer, more] = [histories.at(0), histories.at(-1)];
  const bounded =
    fewer && more && fewer !== more
      ? more.iso.clone.maxRssMiB < 256 && more.iso.clone.maxRssMiB <= 1.2 * fewer.iso.clone.maxRssMiB
      : undefined;
  judge(
    'clone of a long history with bounded memory (peak RSS < 256 MiB, and within 1.2× from the shorter to the longer history)',
    bounded,
    clones.length > 1 ? clones.join('; ') : 'two history lengths not measured',
  );
  const largest = large.length ? Math.max(...large.map((r) => r.agent.maxRssMiB)) : undefined;
  judge(
    'a 200 MB pack and a 400 MB blob cloned with agent peak RSS < 256 MiB',
    large.length === 2 && largest !== undefined ? largest < 256 : undefined,
    large.length ? large.map((r) => `${r.name} ${mib(r.agent.maxRssMiB)}`).join(', ') : 'not measured',
  );
  return out;
}

/** Stage timings and requests by verb of every agent sync of a size, for the profile block. */
export function profile(r: SizeResults): string[] {
  if (!r.agent) return [];
  const a = r.agent;
  const list: [string, AgentSync][] = [
    ['initial', a.initial],
    ['no-op', a.noop[0] ?? a.initial],
    ['diff', a.diff],
    ['change', a.change],
    ['drift', a.drift[0]?.sync ?? a.change],
    ['prune', a.prune],
  ];
  return list.map(
    ([what, s]) =>
      `N=${r.n} ${what.padEnd(7)} ${sec(s.reconcileMs).padStart(8)}  stages ${fmt(s.timings, 'ms')}  requests ${fmt(s.requests, '')}`,
  );
}

/** Formats rows as an aligned text table. */
export function formatTable(rows: Row[]): string {
  const head: Row = {
    n: 'N',
    measurement: 'measurement',
    agent: 'agent',
    flux: 'flux engine',
    kubectl: 'kubectl/git',
    limit: 'limit',
    ratio: 'ratio',
    requests: 'requests (a·k·l·f) or RSS',
  };
  const keys = Object.keys(head) as (keyof Row)[];
  const all = [head, ...rows];
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row): string =>
    keys
      .map((k, i) => r[k].padEnd(width[i] ?? 0))
      .join(' | ')
      .trimEnd();
  const rule = width.map((w) => '-'.repeat(w)).join('-|-');
  return [line(head), rule, ...rows.map(line)].join('\n');
}

function allSyncs(a: NonNullable<SizeResults['agent']>): AgentSync[] {
  return [a.initial, ...a.noop, a.diff, a.change, ...a.drift.map((d) => d.sync), a.prune];
}

function mib(v: number | undefined): string {
  return v === undefined ? '—' : `${v.toFixed(0)} MiB`;
}

function fmt(r: Record<string, number>, unit: string): string {
  return Object.entries(r)
    .map(([k, v]) => `${k}=${v}${unit}`)
    .join(' ');
}
