// Child process of the memory tests: one fetchSource call with the options in argv[2], reported as one JSON
// line with the process's own peak RSS (VmHWM from /proc/self/status, which covers every allocation).
import { readFileSync } from 'node:fs';
import { fetchSource, type SourceOptions } from '../../src/source/source.ts';

/** What the child prints. */
export interface FetchChildOutput {
  files?: string[];
  error?: string;
  peakRssMiB: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as SourceOptions;
const out: FetchChildOutput = { peakRssMiB: 0 };
try {
  const snapshot = await fetchSource(options);
  out.files = snapshot.files.map((f) => f.path);
} catch (err) {
  out.error = err instanceof Error ? err.message : String(err);
}
const kib = Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
out.peakRssMiB = kib / 1024;
process.stdout.write(`${JSON.stringify(out)}\n`);
