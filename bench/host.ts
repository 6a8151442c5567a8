// The cost the Git host adds to a sync: `gitops-agent run` with commit statuses going to the local GitHub
// contract server (test/support/hosts/github.ts), a new commit per trial; how long after the sync's end (its
// log line) the verdict is on the server, how many host requests a sync makes, and what the interval no-op
// syncs of the same commit send.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitServer } from '../test/support/git-server.ts';
import { startGitHub, type GitHubFake } from '../test/support/hosts/github.ts';
import { startAgent, type RunningAgent } from './continuous.ts';
import { kubectl } from './kubectl.ts';

/** One new commit: its sync, the status it got and the no-op syncs after it. */
export interface HostTrial {
  /** The sync's own duration, from its log line. */
  syncMs: number;
  /** ms from the sync's end (the log line's time) to the final status arriving at the server. */
  statusMs: number;
  /** Requests naming the commit, up to and including its final status: reads and posts. */
  reads: number;
  posts: number;
  /** Interval syncs of the same commit after the final status, and the requests they made. */
  noopSyncs: number;
  noopReads: number;
  noopPosts: number;
  /** The final status (`state: description`), and each status the no-op syncs posted. */
  verdict: string;
  reposted: string[];
}

/** What the host rows measured. */
export interface HostResults {
  provider: 'github';
  objects: number;
  interval: string;
  trials: HostTrial[];
}

/** What the host rows need from the run. */
export interface HostContext {
  kubeconfig: string;
  git: GitServer;
  workDir: string;
  runId: string;
  trials: number;
  log: (line: string) => void;
}

const OBJECTS = 10;
const INTERVAL = '2s';
const REPOSITORY = 'bench/deploy';
const NOOPS_PER_TRIAL = 2;

/** Runs the trials with one agent process and one contract server, both stopped before returning. */
export async function runHost(ctx: HostContext): Promise<HostResults> {
  const ns = `bench-host-${ctx.runId}`;
  await kubectl(ctx.kubeconfig, ['create', 'namespace', ns]);
  const repo = await ctx.git.createRepo(ns);
  const cm = (i: number, value: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  value: ${value}\n`;
  const files: Record<string, string> = {};
  for (let i = 0; i < OBJECTS; i++) files[`deploy/cm-${i}.yaml`] = cm(i, 'initial');
  let sha = await repo.commit(files, 'host objects');
  const token = `bench-${ctx.runId}`;
  const tokenFile = join(ctx.workDir, 'host-token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const gh = await startGitHub({ token, repository: REPOSITORY });
  const target = {
    ...{ name: ns, repo: repo.url, path: 'deploy', namespace: ns, interval: INTERVAL },
    healthTimeoutSeconds: 60,
    host: { provider: 'github', apiUrl: gh.url, repository: REPOSITORY, token: { file: tokenFile } },
  };
  let agent: RunningAgent | undefined;
  try {
    agent = await startAgent(ctx, 'host', [target]);
    await syncDone(agent, ns, sha);
    await finalStatus(gh, sha);
    const trials: HostTrial[] = [];
    for (let t = 0; t < Math.max(ctx.trials, 5); t++) {
      sha = await repo.commit({ 'deploy/cm-0.yaml': cm(0, `trial-${t}`) }, `trial ${t}`);
      trials.push(await trial(agent, gh, ns, sha));
      const last = trials.at(-1);
      ctx.log(
        `host trial ${t}: status ${last?.statusMs.toFixed(0)} ms after the sync, ${last?.reads} reads and ` +
          `${last?.posts} posts (${last?.verdict}); ${last?.noopSyncs} no-op syncs: ${last?.noopReads} reads, ` +
          `${last?.noopPosts} posts ${JSON.stringify(last?.reposted)}`,
      );
    }
    return { provider: 'github', objects: OBJECTS, interval: INTERVAL, trials };
  } finally {
    await agent?.stop();
    await gh.close();
    await kubectl(ctx.kubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

async function trial(agent: RunningAgent, gh: GitHubFake, ns: string, sha: string): Promise<HostTrial> {
  const done = await syncDone(agent, ns, sha);
  const final = await finalStatus(gh, sha);
  const statusMs = performance.timeOrigin + final.at - Date.parse(String(done.time));
  const naming = gh.requests.filter((r) => r.path.includes(sha));
  const upTo = naming.filter((r) => r.at <= final.at);
  // The next interval syncs re-check the commit's verdict; an unchanged one must post nothing. The next
  // sync starts an interval later, so the 300 ms after the last one's log line hold only its requests.
  await syncDone(agent, ns, sha, NOOPS_PER_TRIAL + 1);
  await new Promise((r) => setTimeout(r, 300));
  const after = gh.requests.filter((r) => r.path.includes(sha) && r.at > final.at);
  return {
    syncMs: Number(done.ms),
    statusMs,
    reads: upTo.filter((r) => r.method === 'GET').length,
    posts: upTo.filter((r) => r.method === 'POST').length,
    noopSyncs: NOOPS_PER_TRIAL,
    noopReads: after.filter((r) => r.method === 'GET').length,
    noopPosts: after.filter((r) => r.method === 'POST').length,
    verdict: described(final.body),
    reposted: after.filter((r) => r.method === 'POST').map((r) => described(r.body)),
  };
}

type LogLine = Record<string, unknown>;

// Resolves with the `count`-th log line of a finished sync of `sha` (the agent logs one per sync).
async function syncDone(agent: RunningAgent, ns: string, sha: string, count = 1): Promise<LogLine> {
  let seen = 0;
  let line: LogLine = {};
  await agent.waitFor((l) => {
    if (l.target !== ns || l.revision !== sha || typeof l.outcome !== 'string') return false;
    if (l.outcome !== 'synced') throw new Error(`host target sync of ${sha}: ${l.outcome}: ${String(l.msg)}`);
    line = l;
    return ++seen === count;
  }, 120_000);
  return line;
}

// The first status of `sha` that is not `pending`, once the server has it.
async function finalStatus(gh: GitHubFake, sha: string): Promise<{ at: number; body: unknown }> {
  const t0 = performance.now();
  for (;;) {
    const posted = gh.requests.find(
      (r) =>
        r.method === 'POST' && r.path.includes(sha) && (r.body as { state?: string }).state !== 'pending',
    );
    if (posted) return posted;
    if (performance.now() - t0 > 30_000) throw new Error(`no final status of ${sha} within 30 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function described(body: unknown): string {
  const b = body as { state?: string; description?: string };
  return `${b.state}: ${b.description}`;
}
