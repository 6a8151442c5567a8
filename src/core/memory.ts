import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection now. For the few places that knowingly produce a burst of short-lived
 * buffers faster than V8 collects them; glibc keeps freed native memory, so an uncollected burst becomes
 * resident set size for the rest of the process.
 */
export function collectGarbage(): void {
  if (!gc) {
    // --expose-gc at run time makes `gc` visible in contexts created afterwards (v8 flag docs).
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * Asks V8 to favour a small heap over speed, for the agent process. A 5,000-object sync's live heap is about
 * 30 MiB, but V8's default growth let garbage from thousands of API responses push the peak RSS to 330 MiB;
 * with this flag it peaked at 172 MiB at the same sync time (bench/, docs/benchmarks.md).
 */
export function preferSmallHeap(): void {
  setFlagsFromString('--optimize-for-size');
}
