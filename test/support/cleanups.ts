// A per-test cleanup stack: what a test defers runs after it, newest first, with failures ignored so that one
// failed cleanup never hides the test's own result or skips the others.
import { afterEach } from 'vitest';

/** Registers the afterEach that empties the stack; `defer` pushes onto it. */
export function useCleanups(): { defer: (...fns: (() => Promise<unknown>)[]) => void } {
  const stack: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of stack.splice(0).reverse()) await c().catch(() => undefined);
  });
  return { defer: (...fns) => void stack.push(...fns) };
}
