/** Why a sync was started; free text from triggers outside the agent (`webhook`, `drift`) is allowed. */
export type SyncReason =
  'start' | 'interval' | 'retry' | 'requested' | 'config' | 'ownership' | (string & {});

/** Runs one sync of one target; the queue never calls it twice at once for the same target. */
export type SyncRunner = (target: string, reason: SyncReason) => Promise<void>;

interface Slot {
  running: boolean;
  /** Waiting for a free slot of the global limit. */
  queued: SyncReason | undefined;
  /** Asked for while running: one more sync follows right after. */
  again: SyncReason | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The agent's work queue: per target at most one sync at a time, requests during a sync coalesced into one
 * more sync right after it, at most `concurrency` syncs at once across targets, and one timer per target
 * for its next scheduled sync.
 */
export class SyncQueue {
  readonly #run: SyncRunner;
  readonly #slots = new Map<string, Slot>();
  readonly #ready: string[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #concurrency: number;
  #active = 0;
  #stopped = false;

  constructor(run: SyncRunner, concurrency: number) {
    this.#run = run;
    this.#concurrency = concurrency;
  }

  /** Changes the global limit; syncs already running are not affected. */
  setConcurrency(n: number): void {
    this.#concurrency = n;
    this.#pump();
  }

  /** Asks for a sync of `target` as soon as possible; false when the queue is stopped. */
  trigger(target: string, reason: SyncReason): boolean {
    if (this.#stopped) return false;
    const slot = this.#slot(target);
    if (slot.running) slot.again ??= reason;
    else if (slot.queued === undefined) {
      slot.queued = reason;
      this.#ready.push(target);
      this.#pump();
    }
    return true;
  }

  /** Sets the one timer of `target`: a sync after `delayMs`, replacing any earlier timer. */
  schedule(target: string, delayMs: number, reason: SyncReason): void {
    if (this.#stopped) return;
    const slot = this.#slot(target);
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.trigger(target, reason), delayMs);
    slot.timer.unref();
  }

  /** Forgets a target: no timer, no queued sync; a sync already running finishes. */
  remove(target: string): void {
    const slot = this.#slots.get(target);
    if (!slot) return;
    clearTimeout(slot.timer);
    const i = this.#ready.indexOf(target);
    if (i >= 0) this.#ready.splice(i, 1);
    this.#slots.delete(target);
  }

  /** Whether a sync of the target is running now. */
  isRunning(target: string): boolean {
    return this.#slots.get(target)?.running === true;
  }

  /** Stops taking work (timers, queued and coalesced syncs are dropped) and waits for syncs in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.queued = undefined;
      slot.again = undefined;
    }
    this.#ready.length = 0;
    await Promise.allSettled([...this.#inFlight]);
  }

  #slot(target: string): Slot {
    let slot = this.#slots.get(target);
    if (!slot) {
      slot = { running: false, queued: undefined, again: undefined, timer: undefined };
      this.#slots.set(target, slot);
    }
    return slot;
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.#concurrency && this.#ready.length) {
      const target = this.#ready.shift()!;
      const slot = this.#slots.get(target);
      if (!slot || slot.queued === undefined) continue;
      const reason = slot.queued;
      slot.queued = undefined;
      slot.running = true;
      clearTimeout(slot.timer);
      this.#active++;
      const p: Promise<void> = this.#run(target, reason)
        .catch(() => undefined)
        .finally(() => {
          this.#active--;
          this.#inFlight.delete(p);
          slot.running = false;
          const again = slot.again;
          slot.again = undefined;
          if (again !== undefined && this.#slots.get(target) === slot) this.trigger(target, again);
          this.#pump();
        });
      this.#inFlight.add(p);
    }
  }
}
