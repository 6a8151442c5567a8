import type { WriteGuard } from '../ownership.ts';
import { leaseNow } from '../../kube/lease.ts';

/**
 * The targets a replica may write for, each until a deadline (its Lease's renew deadline), with the writes in
 * flight for each. It tells listeners when the set changes, and aborts a write whose target lapsed, also when
 * no renewal came to say so (a timer fires at the earliest deadline).
 */
export class Holdings {
  readonly #deadlines: () => ReadonlyMap<string, number>;
  readonly #listeners: ((owned: ReadonlySet<string>) => void)[] = [];
  readonly #guards = new Map<string, Set<AbortController>>();
  readonly #idle: (() => void)[] = [];
  #owned: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined;
  #accepting = true;

  /** `deadlines` gives, for each target whose Lease this replica holds, the time until which it may write. */
  constructor(deadlines: () => ReadonlyMap<string, number>) {
    this.#deadlines = deadlines;
  }

  /** True while the target's deadline has not passed. */
  owns(target: string, now = leaseNow()): boolean {
    const until = this.#deadlines().get(target);
    return until !== undefined && now < until;
  }

  /** The targets owned now. */
  owned(now = leaseNow()): ReadonlySet<string> {
    return new Set([...this.#deadlines()].filter(([, until]) => now < until).map(([t]) => t));
  }

  /** Registers a listener of changes to the owned set. */
  onChange(listener: (owned: ReadonlySet<string>) => void): void {
    this.#listeners.push(listener);
  }

  /** Starts a write for an owned target; undefined when not owned or no longer accepting work. */
  begin(target: string): WriteGuard | undefined {
    if (!this.#accepting || !this.owns(target)) return undefined;
    const controller = new AbortController();
    const set = this.#guards.get(target) ?? new Set();
    set.add(controller);
    this.#guards.set(target, set);
    let ended = false;
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        set.delete(controller);
        if (set.size === 0) this.#guards.delete(target);
        if (this.#guards.size === 0) for (const wake of this.#idle.splice(0)) wake();
      },
    };
  }

  /** Whether a write for the target is in flight. */
  busy(target: string): boolean {
    return this.#guards.has(target);
  }

  /** Stops handing out guards and resolves once every write in flight has ended. */
  async drain(): Promise<void> {
    this.#accepting = false;
    if (this.#guards.size > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Recomputes the owned set: tells listeners if it changed, aborts writes of lapsed targets, re-arms the timer. */
  refresh(): void {
    const now = leaseNow();
    const owned = this.owned(now);
    for (const [target, guards] of this.#guards) {
      if (owned.has(target)) continue;
      for (const g of guards) g.abort(new Error(`lost the Lease of target "${target}"`));
    }
    const changed = owned.size !== this.#owned.size || [...owned].some((t) => !this.#owned.has(t));
    this.#owned = owned;
    if (changed) for (const listener of this.#listeners) listener(owned);
    clearTimeout(this.#timer);
    const next = Math.min(...[...this.#deadlines().values()].filter((u) => u > now));
    if (Number.isFinite(next)) this.#timer = setTimeout(() => this.refresh(), next - now + 1).unref();
  }

  /** Stops the deadline timer. */
  close(): void {
    clearTimeout(this.#timer);
  }
}
