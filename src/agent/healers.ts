import type { Logger } from 'pino';
import type { Manifest } from '../core/types.ts';
import { applySetId } from '../core/applyset.ts';
import { formatRef } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';
import type { EventSource } from '../kube/events.ts';
import { parentRef } from '../inventory/store.ts';
import { SelfHeal } from './drift/self-heal.ts';
import type { TargetConfig } from './config.ts';
import type { AgentMetrics } from './metrics.ts';
import type { ReadinessCondition } from './readiness.ts';

/** What the self-heal of every target needs from the agent. */
export interface HealersDeps {
  kube: Kube;
  log: Logger;
  metrics: AgentMetrics;
  eventSource: EventSource;
  /** Whether the agent may write for the target now (owned, not suspended, inside its sync windows). */
  mayApply(target: string): boolean;
  /** The manifests the target's last applying sync made the cluster match. */
  desired(target: string): readonly Manifest[] | undefined;
  /** Set true once every target's watches have listed (for /readyz). */
  ready: ReadinessCondition;
  /** Stops every watch and correction. */
  signal: AbortSignal;
}

interface Entry {
  heal: SelfHeal;
  stop: AbortController;
  started: Promise<void>;
  key: string;
  listed: boolean;
}

/**
 * One SelfHeal per target that has synced: its watches start after the target's first applying sync, pause
 * around every full sync (so the sync's own prunes are not undone) and take up each new render after it.
 */
export class Healers {
  readonly #deps: HealersDeps;
  readonly #entries = new Map<string, Entry>();

  constructor(deps: HealersDeps) {
    this.#deps = deps;
    this.#updateReady();
  }

  /** Called before a full sync of the target: corrections wait until `after`. */
  before(target: string): void {
    this.#entries.get(target)?.heal.pause();
  }

  /** Called after a sync of the target: starts its watches the first time, else takes up the new render. */
  async after(cfg: TargetConfig): Promise<void> {
    // A stopping agent starts no watch: one begun after the abort would wait for a LIST that is never sent.
    if (this.#deps.signal.aborted) return;
    const name = cfg.target.name;
    const key = JSON.stringify(cfg.target);
    let entry = this.#entries.get(name);
    // A changed target (namespace, force, …) gets a new SelfHeal; the old one's watches are closed.
    if (entry && entry.key !== key) {
      await this.remove(name);
      entry = undefined;
    }
    if (!entry) {
      if (!this.#deps.desired(name)) return this.#updateReady();
      entry = this.#create(cfg, key);
      this.#entries.set(name, entry);
      this.#updateReady();
      await entry.started;
      return this.#updateReady();
    }
    await entry.started;
    await entry.heal.refresh();
  }

  /** Stops the target's watches (target removed from the config). */
  async remove(target: string): Promise<void> {
    const entry = this.#entries.get(target);
    if (!entry) return;
    this.#entries.delete(target);
    entry.stop.abort();
    await entry.heal.stopped();
    this.#updateReady();
  }

  /** Resolves when every watch has closed and every correction in flight has ended (after the signal). */
  async stopped(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.heal.stopped()));
  }

  #create(cfg: TargetConfig, key: string): Entry {
    const { kube, log, metrics } = this.#deps;
    const name = cfg.target.name;
    const stop = new AbortController();
    const signal = AbortSignal.any([this.#deps.signal, stop.signal]);
    const heal = new SelfHeal({
      kube,
      target: cfg.target,
      inventoryId: applySetId(parentRef({ target: name, namespace: cfg.target.inventoryNamespace })),
      getDesired: () => this.#deps.desired(name),
      mayWrite: () => this.#deps.mayApply(name),
      signal,
      eventSource: this.#deps.eventSource,
      onCorrection: (c) => {
        const fields = { target: name, object: formatRef(c.ref), managers: c.managers };
        if (c.outcome === 'corrected') {
          metrics.driftCorrections.inc({ target: name });
          log.info({ ...fields, action: c.action, ms: c.ms }, 'drift corrected');
        } else log.warn({ ...fields, retryable: c.retryable }, `drift correction failed: ${c.message}`);
      },
      onFight: (f) => {
        metrics.driftFights.inc({ target: name });
        log.warn(
          { target: name, object: formatRef(f.ref), managers: f.managers, corrections: f.corrections },
          `${formatRef(f.ref)} is changed back again and again by ${f.managers.join(', ') || 'another manager'}; self-heal stopped correcting it`,
        );
      },
      onError: (err, what) => log.warn({ target: name, err }, `self-heal: ${what} failed`),
    });
    const entry: Entry = { heal, stop, key, listed: false, started: Promise.resolve() };
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    entry.started = Promise.race([heal.start(), aborted]).then(
      () => void (entry.listed = true),
      (err: unknown) => {
        if (!signal.aborted) log.warn({ target: name, err }, 'self-heal could not start its watches');
      },
    );
    return entry;
  }

  #updateReady(): void {
    const listing = [...this.#entries].filter(([, e]) => !e.listed).map(([n]) => n);
    this.#deps.ready.set(
      listing.length === 0,
      listing.length ? `drift watches not synced yet: ${listing.join(', ')}` : undefined,
    );
  }
}
