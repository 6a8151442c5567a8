import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/kube/circuit.ts';

function clocked(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after threshold requests in a row without an answer, and refuses with the cause', () => {
    const clock = clocked();
    const c = new CircuitBreaker({ threshold: 3, cooldownMs: 10_000 }, clock.now);
    c.unanswered('timeout 1');
    c.unanswered('timeout 2');
    expect(c.admit()).toEqual({ pass: true, probe: false });
    expect(c.signal.aborted).toBe(false);
    c.unanswered('timeout 3');
    expect(c.state.state).toBe('open');
    expect(c.signal.aborted).toBe(true);
    clock.advance(4_000);
    expect(c.admit()).toEqual({ pass: false, cause: 'timeout 3', retryInMs: 6_000 });
  });

  it('an answer in between, even an HTTP error, starts the count again', () => {
    const c = new CircuitBreaker({ threshold: 2 });
    c.unanswered('a');
    c.answered();
    c.unanswered('b');
    expect(c.state).toEqual({ state: 'closed', failures: 1 });
  });

  it('lets one probe through after the cooldown; its answer closes, its failure re-opens', () => {
    const clock = clocked();
    const c = new CircuitBreaker({ threshold: 1, cooldownMs: 5_000 }, clock.now);
    c.unanswered('refused');
    clock.advance(5_000);
    expect(c.admit()).toEqual({ pass: true, probe: true });
    expect(c.signal.aborted).toBe(false);
    expect(c.admit().pass).toBe(false);
    c.unanswered('still refused');
    expect(c.state).toMatchObject({ state: 'open', cause: 'still refused', openedAt: clock.now() });
    clock.advance(5_000);
    expect(c.admit()).toEqual({ pass: true, probe: true });
    c.answered();
    expect(c.state).toEqual({ state: 'closed', failures: 0 });
    expect(c.admit()).toEqual({ pass: true, probe: false });
  });

  it('a probe given back unsent lets the next request probe at once', () => {
    const clock = clocked();
    const c = new CircuitBreaker({ threshold: 1, cooldownMs: 5_000 }, clock.now);
    c.unanswered('x');
    clock.advance(5_000);
    expect(c.admit().pass).toBe(true);
    c.probeAbandoned();
    expect(c.admit()).toEqual({ pass: true, probe: true });
  });

  it('refuses nonsensical options', () => {
    expect(() => new CircuitBreaker({ threshold: 0 })).toThrow(
      /threshold must be a whole number ≥ 1: received 0/,
    );
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(/cooldownMs must be ≥ 0: received -1/);
  });
});
