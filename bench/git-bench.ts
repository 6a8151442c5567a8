// The git rows: a repository with a long history (built locally with `git fast-import`, pushed to the
// local Git server), cloned and incrementally fetched by isomorphic-git (fetchSource) and by native git.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gitEnv } from '../test/support/git-cli.ts';
import type { GitServer } from '../test/support/git-server.ts';
import type { GitRunInput, GitRunOutput } from './git-run.ts';
import { median, run, runNode } from './proc.ts';

/** One clone or fetch as measured. */
export interface GitStep {
  ms: number;
  maxRssMiB: number;
  cpuSeconds: number;
}

/** One client's clone, and the median of its polls and of its incremental fetches (with every trial). */
export interface GitClient {
  clone: GitStep;
  poll: GitStep;
  fetch: GitStep;
  trials: { poll: GitStep[]; fetch: GitStep[] };
}

/** Native git against isomorphic-git for clone, a fetch with nothing new, and an incremental fetch. */
export interface GitResults {
  commits: number;
  files: number;
  buildMs: number;
  packMiB: number;
  iso: GitClient;
  native: GitClient;
}

const env = gitEnv();

/** Builds and pushes the history, then measures both clients. */
export async function runGit(
  server: GitServer,
  workDir: string,
  commits: number,
  trials: number,
  log: (line: string) => void,
): Promise<GitResults> {
  const files = Math.min(commits, 5000);
  const local = join(workDir, `history-${commits}-src.git`);
  const t0 = performance.now();
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', local], { env });
  await run('git', ['-C', local, 'fast-import', '--quiet'], { env, input: history(0, commits, files) });
  const repo = await server.createRepo(`history-${commits}`);
  await run('git', ['-C', local, 'push', '--quiet', repo.url, 'main'], { env });
  const buildMs = performance.now() - t0;
  const size = await run('git', ['-C', local, 'count-objects', '-v'], { env });
  const packMiB = Number(/size-pack: (\d+)/.exec(size.stdout)?.[1] ?? 0) / 1024;
  log(`git: ${commits} commits over ${files} files built and pushed in ${(buildMs / 1000).toFixed(1)}s`);

  const cacheDir = join(workDir, `history-${commits}-iso-cache`);
  const bare = join(workDir, `history-${commits}-native.git`);
  await mkdir(cacheDir, { recursive: true });
  const iso = (): Promise<GitStep> => isoFetch({ url: repo.url, cacheDir, path: 'manifests' });
  const fetchArgs = ['-C', bare, 'fetch', '--quiet', repo.url, '+refs/heads/main:refs/heads/main'];

  const isoClone = await iso();
  const nativeClone = await timed(['clone', '--quiet', '--bare', repo.url, bare]);
  log(`git clone: isomorphic-git ${s(isoClone.ms)}, native ${s(nativeClone.ms)}`);
  const trial = {
    iso: { poll: [] as GitStep[], fetch: [] as GitStep[] },
    native: { poll: [] as GitStep[], fetch: [] as GitStep[] },
  };
  for (let t = 0; t < trials; t++) {
    trial.iso.poll.push(await iso());
    trial.native.poll.push(await timed(fetchArgs));
  }
  // Each trial pushes one more commit, then both clients fetch it.
  for (let t = 0; t < trials; t++) {
    const head = (await run('git', ['-C', local, 'rev-parse', 'main'], { env })).stdout.trim();
    await run('git', ['-C', local, 'fast-import', '--quiet'], {
      env,
      input: history(commits + t, 1, files, head),
    });
    await run('git', ['-C', local, 'push', '--quiet', repo.url, 'main'], { env });
    trial.iso.fetch.push(await iso());
    trial.native.fetch.push(await timed(fetchArgs));
  }
  const client = (clone: GitStep, t: { poll: GitStep[]; fetch: GitStep[] }): GitClient => ({
    clone,
    poll: mid(t.poll),
    fetch: mid(t.fetch),
    trials: t,
  });
  const result = {
    commits,
    files,
    buildMs,
    packMiB,
    iso: client(isoClone, trial.iso),
    native: client(nativeClone, trial.native),
  };
  log(`git incremental fetch: isomorphic-git ${s(result.iso.fetch.ms)}, native ${s(result.native.fetch.ms)}`);
  return result;
}

// Median time, highest peak RSS and CPU of the median trial.
function mid(steps: GitStep[]): GitStep {
  const ms = median(steps.map((x) => x.ms));
  const at = steps.find((x) => x.ms === ms) ?? steps[0];
  return { ms, maxRssMiB: Math.max(...steps.map((x) => x.maxRssMiB)), cpuSeconds: at?.cpuSeconds ?? 0 };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

async function isoFetch(input: GitRunInput): Promise<GitStep> {
  const res = await runNode('./git-run.ts', [JSON.stringify(input)]);
  const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as GitRunOutput;
  return { ms: out.ms, maxRssMiB: out.maxRssMiB, cpuSeconds: out.cpuSeconds };
}

// GNU time reports the peak RSS of the largest process in the tree (git spawns remote-http and index-pack).
async function timed(args: string[]): Promise<GitStep> {
  const res = await run('/usr/bin/time', ['-f', 'TIME %e %M %U %S', 'git', ...args], { env });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(res.stderr);
  return {
    ms: res.ms,
    maxRssMiB: Number(m?.[2] ?? 0) / 1024,
    cpuSeconds: Number(m?.[3] ?? 0) + Number(m?.[4] ?? 0),
  };
}

/** A fast-import stream of `count` commits after commit number `first`, each rewriting one of `files` files. */
function history(first: number, count: number, files: number, parent?: string): Buffer {
  const parts: Buffer[] = [];
  const data = (text: string | Buffer): void => {
    const buf = Buffer.from(text);
    parts.push(Buffer.from(`data ${buf.length}\n`), buf, Buffer.from('\n'));
  };
  for (let c = first; c < first + count; c++) {
    parts.push(
      Buffer.from(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${1.7e9 + c} +0000\n`),
    );
    data(`commit ${c}`);
    if (c === first && parent) parts.push(Buffer.from(`from ${parent}\n`));
    const f = c % files;
    parts.push(Buffer.from(`M 100644 inline data/d${f % 100}/f${f}.txt\n`));
    data(blob(c));
    if (c === 0) {
      parts.push(Buffer.from('M 100644 inline manifests/configmap.yaml\n'));
      data('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: history }\ndata: { a: b }\n');
    }
  }
  return Buffer.concat(parts);
}

// About 1 KiB of incompressible-looking text per blob, so packs have realistic sizes.
function blob(c: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 16; i++) lines.push(createHash('sha256').update(`${c}:${i}`).digest('hex'));
  return lines.join('\n') + '\n';
}
