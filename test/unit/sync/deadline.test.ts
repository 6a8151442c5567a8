import { describe, expect, it } from 'vitest';
import { raceAbort } from '../../../src/core/abort.ts';
import { DeadlineError, Deadlines } from '../../../src/sync/deadline.ts';

describe('Deadlines', () => {
  it('aborts the stage signal at the stage deadline with a DeadlineError naming the stage', async () => {
    const d = new Deadlines({ stageTimeoutSeconds: 0.05 });
    const signal = d.enter('apply');
    const err = await raceAbort(new Promise(() => undefined), signal).catch((e: unknown) => e);
    d.close();
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ code: 'STAGE_DEADLINE', stage: 'apply', retryable: true });
    expect((err as Error).message).toMatch(/^apply did not finish within the stage deadline of 0.05 s/);
  });

  it('gives health no deadline of its own, only the sync’s', async () => {
    const d = new Deadlines({ syncTimeoutSeconds: 0.1, stageTimeoutSeconds: 0.02 });
    const signal = d.enter('health');
    await new Promise((r) => setTimeout(r, 50));
    expect(signal.aborted).toBe(false);
    const err = await raceAbort(new Promise(() => undefined), signal).catch((e: unknown) => e);
    d.close();
    expect(err).toMatchObject({ code: 'SYNC_DEADLINE', stage: 'health' });
  });

  it('keeps the defaults for keys passed as undefined and refuses zero', () => {
    expect(() => new Deadlines({ syncTimeoutSeconds: undefined }).close()).not.toThrow();
    expect(() => new Deadlines({ stageTimeoutSeconds: 0 })).toThrow(
      /stageTimeoutSeconds must be a number of seconds above 0/,
    );
  });

  it('lets work that finishes first settle as it does', async () => {
    const d = new Deadlines({ stageTimeoutSeconds: 5 });
    await expect(raceAbort(Promise.resolve(7), d.enter('plan'))).resolves.toBe(7);
    d.close();
  });
});
