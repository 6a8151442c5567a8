import { afterEach, describe, expect, it } from 'vitest';
import { raceAbort } from '../../../src/core/abort.ts';

// Work that rejects a little later, as an HTTP request cut off by the same signal does.
function rejectsSoon(message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), 10));
}

describe('raceAbort', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  afterEach(() => {
    process.removeListener('unhandledRejection', onUnhandled);
    unhandled.length = 0;
  });

  async function settle(): Promise<void> {
    // Two turns of the timer queue: the work rejects, then Node reports what nobody handled.
    await new Promise((r) => setTimeout(r, 30));
    await new Promise((r) => setImmediate(r));
  }

  it.each([
    ['already aborted when called', true],
    ['aborted while the work runs', false],
  ])('rejects with the reason and leaves no unhandled rejection when %s', async (_name, before) => {
    process.on('unhandledRejection', onUnhandled);
    const stop = new AbortController();
    if (before) stop.abort(new Error('the agent is stopping'));
    const raced = raceAbort(rejectsSoon('cut off by the abort'), stop.signal);
    if (!before) stop.abort(new Error('the agent is stopping'));
    await expect(raced).rejects.toThrow('the agent is stopping');
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('settles as the work does when the signal never aborts', async () => {
    const signal = new AbortController().signal;
    await expect(raceAbort(Promise.resolve(3), signal)).resolves.toBe(3);
    await expect(raceAbort(rejectsSoon('own failure'), signal)).rejects.toThrow('own failure');
  });

  it('maps the reason when asked', async () => {
    const stop = new AbortController();
    stop.abort('plain');
    const err = await raceAbort(new Promise(() => undefined), stop.signal, () => new Error('mapped')).catch(
      (e: unknown) => e,
    );
    expect(err).toEqual(new Error('mapped'));
  });
});
