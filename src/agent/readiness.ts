/** One condition of readiness, set by whoever owns it (initial syncs, watches, leases). */
export interface ReadinessCondition {
  /** Marks the condition met, or not met with a reason shown by /readyz. */
  set(ready: boolean, reason?: string): void;
}

/** The agent's readiness: ready when every registered condition is met. */
export class Readiness {
  readonly #conditions = new Map<string, { ready: boolean; reason: string }>();

  /** Registers a condition, not met until `set(true)`; registering a name again returns the same condition. */
  condition(name: string, reason = 'starting'): ReadinessCondition {
    if (!this.#conditions.has(name)) this.#conditions.set(name, { ready: false, reason });
    return {
      set: (ready, why) => void this.#conditions.set(name, { ready, reason: why ?? (ready ? 'ok' : reason) }),
    };
  }

  /** Whether every condition is met, and the ones that are not, with their reasons. */
  check(): { ready: boolean; pending: { name: string; reason: string }[] } {
    const pending = [...this.#conditions]
      .filter(([, c]) => !c.ready)
      .map(([name, c]) => ({ name, reason: c.reason }));
    return { ready: pending.length === 0, pending };
  }
}
