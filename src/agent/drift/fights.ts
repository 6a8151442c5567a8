import type { ObjectKey } from '../../core/types.ts';

/** When repeated corrections of one object count as a fight with another manager. */
export interface FightPolicy {
  /** Corrections of one object within the window after which the next drift is a fight. */
  threshold: number;
  windowMs: number;
}

/** What to do about a drift: correct it, report a new fight, or leave an object already in a fight alone. */
export type FightDecision =
  { type: 'correct' } | { type: 'fight'; managers: string[]; corrections: number } | { type: 'holding' };

interface History {
  corrections: number[];
  managers: Set<string>;
  /** Set while the object is in a fight: the last time another manager changed it. */
  fightSeen?: number;
}

/**
 * Counts corrections per object in a sliding window. After `threshold` corrections within `windowMs` the
 * object is left alone until its desired manifest changes (`reset`) or no other manager has changed it for a
 * whole window, so two writers never patch an object back and forth in a loop.
 */
export class FightTracker {
  readonly #policy: FightPolicy;
  readonly #now: () => number;
  readonly #history = new Map<ObjectKey, History>();

  constructor(policy: FightPolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
  }

  /** Decides about a drift of `key` written by `managers`. */
  decide(key: ObjectKey, managers: readonly string[]): FightDecision {
    const now = this.#now();
    const h = this.#history.get(key);
    if (!h) return { type: 'correct' };
    for (const m of managers) h.managers.add(m);
    if (h.fightSeen !== undefined) {
      if (now - h.fightSeen <= this.#policy.windowMs) {
        h.fightSeen = now;
        return { type: 'holding' };
      }
      this.#history.delete(key);
      return { type: 'correct' };
    }
    h.corrections = h.corrections.filter((t) => now - t <= this.#policy.windowMs);
    if (h.corrections.length < this.#policy.threshold) return { type: 'correct' };
    h.fightSeen = now;
    return { type: 'fight', managers: [...h.managers].sort(), corrections: h.corrections.length };
  }

  /** Records a correction of `key` that undid a change by `managers`. */
  corrected(key: ObjectKey, managers: readonly string[]): void {
    const h = this.#history.get(key) ?? { corrections: [], managers: new Set<string>() };
    h.corrections.push(this.#now());
    for (const m of managers) h.managers.add(m);
    this.#history.set(key, h);
  }

  /** Whether `key` is in a fight now. */
  fighting(key: ObjectKey): boolean {
    return this.#history.get(key)?.fightSeen !== undefined;
  }

  /** Forgets `key` (its desired manifest changed, or it is no longer managed). */
  reset(key: ObjectKey): void {
    this.#history.delete(key);
  }
}
