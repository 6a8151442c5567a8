// Child process of the git rows: one fetchSource call (isomorphic-git clone or incremental fetch into the
// cache), reported as one JSON line with its own time, peak RSS and CPU.
import { preferSmallHeap } from '../src/core/memory.ts';
import { fetchSource } from '../src/source/source.ts';

/** What the driver passes (as JSON in argv[2]). */
export interface GitRunInput {
  url: string;
  cacheDir: string;
  path: string;
}

/** What the child prints. */
export interface GitRunOutput {
  ms: number;
  fetched: boolean;
  commit: string;
  files: number;
  maxRssMiB: number;
  cpuSeconds: number;
}

// The agent process clones with the CLI's V8 setting, so this child does too.
preferSmallHeap();
const input = JSON.parse(process.argv[2] ?? '{}') as GitRunInput;
const start = performance.now();
const snap = await fetchSource({
  url: input.url,
  ref: 'main',
  path: input.path,
  cacheDir: input.cacheDir,
  // A long history takes longer than the default one-minute deadline to clone on a slow machine.
  timeoutMs: 30 * 60_000,
});
const ms = performance.now() - start;
const usage = process.resourceUsage();
const output: GitRunOutput = {
  ms,
  fetched: snap.fetched,
  commit: snap.commit,
  files: snap.files.length,
  maxRssMiB: usage.maxRSS / 1024,
  cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
};
process.stdout.write(JSON.stringify(output) + '\n');
