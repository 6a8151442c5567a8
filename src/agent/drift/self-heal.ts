import { hostname } from 'node:os';
import type { KubeObject, Manifest, ObjectKey, ObjectRef, SyncTarget } from '../../core/types.ts';
import { PART_OF_LABEL } from '../../core/applyset.ts';
import { FIELD_MANAGER, hashJson } from '../../core/ownership.ts';
import { formatRef, objectKey, refOf } from '../../core/refs.ts';
import type { Kube } from '../../kube/objects.ts';
import { recordEvent, type EventInput, type EventSource } from '../../kube/events.ts';
import { healObject } from '../../sync/heal.ts';
import { FightTracker } from './fights.ts';
import { classify, observe, removedByLifecycle, type Observed } from './observed.ts';
import { KindWatches, type WatchScope } from './watches.ts';

/** What self-heal of one target needs, and its tuning. */
export interface SelfHealOptions {
  kube: Kube;
  target: SyncTarget;
  /** The target's ApplySet ID, the value of every member's `applyset.kubernetes.io/part-of` label. */
  inventoryId: string;
  /** The last rendered manifests, labelled as members (as reconcile applies them); undefined before the first sync. */
  getDesired(): readonly Manifest[] | undefined;
  /** Asked before every write: whether this replica holds the right to write for the target. */
  mayWrite(): boolean;
  /** Stops every watch, timer and retry. */
  signal: AbortSignal;
  /** Called for every correction made or failed (logs, the drift-corrections counter). */
  onCorrection?(c: Correction): void;
  /** Called once when an object turns out to be fought over (logs, the fights counter). */
  onFight?(f: Fight): void;
  /** Called when a watch request (retried with backoff) or an Event write fails; `what` names it. */
  onError?(err: unknown, what: string): void;
  /** Events are recorded as this controller and instance. Default `gitops-agent` on this host name. */
  eventSource?: EventSource;
  /** How long changes to one object are gathered before it is re-applied, ms. Default 100. */
  debounceMs?: number;
  /** Corrections of one object within `fightWindowMs` after which the next drift is a fight. Default 3. */
  fightThreshold?: number;
  /** Window of the fight count, ms; also how long a fight must stay quiet to be over. Default 60000. */
  fightWindowMs?: number;
  /** First delay before retrying a failed re-apply, doubling up to 30 s. Default 500. */
  retryDelayMs?: number;
}

/** Defaults of the tuning options of SelfHealOptions. */
export const DEFAULT_SELF_HEAL_OPTIONS: Readonly<Required<Pick<SelfHealOptions, Tuning>>> = {
  debounceMs: 100,
  fightThreshold: 3,
  fightWindowMs: 60_000,
  retryDelayMs: 500,
};

type Tuning = 'debounceMs' | 'fightThreshold' | 'fightWindowMs' | 'retryDelayMs';

/** One drift correction, or a failed attempt at one. */
export type Correction =
  | {
      outcome: 'corrected';
      ref: ObjectRef;
      action: 'reapplied' | 'recreated';
      /** Field managers that made the change; empty when the API does not say (deletes, removed fields). */
      managers: string[];
      /** From the first watch event of the drift to the end of the re-apply. */
      ms: number;
    }
  | { outcome: 'failed'; ref: ObjectRef; managers: string[]; message: string; retryable: boolean };

/** An object that other managers keep changing back: self-heal has stopped correcting it. */
export interface Fight {
  ref: ObjectRef;
  managers: string[];
  /** Corrections made within the window before giving up. */
  corrections: number;
  windowMs: number;
}

interface Pending {
  /** The object as last seen; undefined after a delete. */
  live: KubeObject | undefined;
  managers: Set<string>;
  since: number;
  attempts: number;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Self-heal of one target: watches the kinds its desired objects have, filtered by the ApplySet label, and
 * re-applies an object alone when someone else changes a field the agent owns or deletes it. Changes the
 * agent made itself, and changes to fields only others own, are left alone; an object corrected
 * `fightThreshold` times within `fightWindowMs` is reported as a fight and left alone. Call `pause()` before
 * a full sync of the target and `refresh()` after it (with getDesired already returning the new render).
 */
export class SelfHeal {
  readonly #o: SelfHealOptions & Required<Pick<SelfHealOptions, Tuning>>;
  readonly #watches: KindWatches;
  readonly #fights: FightTracker;
  readonly #observed = new Map<ObjectKey, Observed>();
  readonly #pending = new Map<ObjectKey, Pending>();
  readonly #inFlight = new Set<ObjectKey>();
  // The agent entry's hash our last write produced: its watch event is ours even within the same second.
  readonly #expected = new Map<ObjectKey, string>();
  readonly #writes = new Set<Promise<void>>();
  #desired = new Map<ObjectKey, Manifest>();
  #desiredHashes = new Map<ObjectKey, string>();
  #paused = false;

  constructor(options: SelfHealOptions) {
    this.#o = { ...DEFAULT_SELF_HEAL_OPTIONS, ...options };
    this.#fights = new FightTracker({ threshold: this.#o.fightThreshold, windowMs: this.#o.fightWindowMs });
    this.#watches = new KindWatches({
      kube: options.kube,
      labelSelector: `${PART_OF_LABEL}=${options.inventoryId}`,
      signal: options.signal,
      onObject: (obj, deleted) => this.#onObject(obj, deleted),
      onListed: (objects, scope) => this.#onListed(objects, scope),
      onDropped: (scope) => {
        for (const key of this.#observed.keys())
          if (key.startsWith(prefixOf(scope))) this.#observed.delete(key);
      },
      onError: (err, kind) => this.#o.onError?.(err, `watch ${kind}`),
    });
    options.signal.addEventListener('abort', () => this.#clearTimers(), { once: true });
  }

  /** Opens the watches; resolves once each has listed its objects (what /readyz waits for). */
  start(): Promise<void> {
    return this.refresh();
  }

  /** Holds corrections back while a full sync of the target runs; changes seen meanwhile are kept for refresh(). */
  pause(): void {
    this.#paused = true;
    this.#clearTimers();
  }

  /**
   * Takes up the current desired set after a sync: watches the kinds it now has (stopping the others),
   * forgets fights over objects whose manifest changed, resumes corrections, and resolves once new watches
   * have listed.
   */
  async refresh(): Promise<void> {
    this.#paused = false;
    this.#loadDesired();
    for (const key of this.#pending.keys()) if (!this.#desired.has(key)) this.#forget(key);
    const listed = this.#watches.set([...this.#desired.values()].map((m) => m.object));
    for (const [key, p] of this.#pending) if (!p.timer && !this.#inFlight.has(key)) this.#schedule(key, p, 0);
    await listed;
  }

  /** Resolves when every watch has stopped and every write in flight has ended (after the signal aborted). */
  async stopped(): Promise<void> {
    await this.#watches.stopped();
    await Promise.all([...this.#writes]);
  }

  #loadDesired(): void {
    const manifests = this.#o.getDesired();
    const desired = new Map<ObjectKey, Manifest>();
    const hashes = new Map<ObjectKey, string>();
    for (const m of manifests ?? []) {
      const key = objectKey(refOf(m.object));
      desired.set(key, m);
      hashes.set(key, hashJson(m.object));
      // A changed manifest is a new attempt: an old fight over the object no longer counts.
      if (this.#desiredHashes.get(key) !== hashes.get(key)) this.#fights.reset(key);
    }
    for (const key of this.#desiredHashes.keys()) if (!desired.has(key)) this.#forget(key);
    this.#desired = desired;
    this.#desiredHashes = hashes;
  }

  #onListed(objects: KubeObject[], scope: WatchScope): void {
    const seen = new Set<ObjectKey>();
    for (const obj of objects) {
      const key = objectKey(refOf(obj));
      seen.add(key);
      this.#onObject(obj, false);
    }
    // After a relist, an object remembered but no longer listed was deleted while the watch was away.
    for (const key of [...this.#observed.keys()]) {
      if (key.startsWith(prefixOf(scope)) && !seen.has(key)) this.#onDeleted(key);
    }
  }

  #onObject(obj: KubeObject, deleted: boolean): void {
    const key = objectKey(refOf(obj));
    if (deleted && removedByLifecycle(obj)) {
      this.#observed.delete(key);
      return this.#cancel(key);
    }
    if (deleted) return this.#onDeleted(key);
    const next = observe(obj);
    const prev = this.#observed.get(key);
    this.#observed.set(key, next);
    const pending = this.#pending.get(key);
    if (pending) pending.live = obj;
    if (!prev) return;
    if (next.agentHash !== undefined && next.agentHash === this.#expected.get(key)) {
      this.#expected.delete(key);
      return;
    }
    const change = classify(prev, next);
    if (change.type === 'own') {
      // The agent applied the object since (a full sync): whatever drift was pending is undone already.
      if (!this.#inFlight.has(key)) this.#cancel(key);
      return;
    }
    if (change.type === 'drift') this.#drift(key, obj, change.managers);
  }

  #onDeleted(key: ObjectKey): void {
    this.#observed.delete(key);
    this.#expected.delete(key);
    this.#drift(key, undefined, []);
  }

  #drift(key: ObjectKey, live: KubeObject | undefined, managers: string[]): void {
    if (!this.#desired.has(key) || this.#o.signal.aborted) return;
    const p = this.#pending.get(key) ?? { live, managers: new Set<string>(), since: Date.now(), attempts: 0 };
    p.live = live;
    for (const m of managers) p.managers.add(m);
    this.#pending.set(key, p);
    if (!p.timer && !this.#inFlight.has(key) && !this.#paused) this.#schedule(key, p, this.#o.debounceMs);
  }

  #schedule(key: ObjectKey, p: Pending, ms: number): void {
    p.timer = setTimeout(() => {
      p.timer = undefined;
      const write = this.#heal(key).finally(() => this.#writes.delete(write));
      this.#writes.add(write);
    }, ms);
  }

  async #heal(key: ObjectKey): Promise<void> {
    const p = this.#pending.get(key);
    if (!p || this.#paused || this.#o.signal.aborted) return;
    const manifest = this.#desired.get(key);
    if (!manifest || !this.#o.mayWrite()) return this.#cancel(key);
    const managers = [...p.managers].sort();
    const ref = refOf(manifest.object);
    const decision = this.#fights.decide(key, managers);
    if (decision.type !== 'correct') {
      this.#cancel(key);
      if (decision.type === 'fight')
        await this.#reportFight(ref, p.live, decision.managers, decision.corrections);
      return;
    }
    this.#pending.delete(key);
    this.#inFlight.add(key);
    const outcome = await healObject(this.#o.kube, manifest, p.live, {
      fieldManager: FIELD_MANAGER,
      force: this.#o.target.force,
    }).finally(() => this.#inFlight.delete(key));
    if (!outcome.ok) {
      const { message, retryable } = outcome.error;
      this.#o.onCorrection?.({ outcome: 'failed', ref, managers, message, retryable });
      if (retryable) this.#retry(key, p);
      return;
    }
    if (outcome.ownedHash) this.#expected.set(key, outcome.ownedHash);
    this.#afterWrite(key, outcome.ownedHash);
    if (outcome.action === 'unchanged') return;
    this.#fights.corrected(key, managers);
    const ms = Date.now() - p.since;
    this.#o.onCorrection?.({ outcome: 'corrected', ref, action: outcome.action, managers, ms });
    await this.#event({
      regarding: { ...ref, uid: outcome.object.metadata.uid, apiVersion: outcome.object.apiVersion },
      type: 'Normal',
      reason: 'DriftCorrected',
      action: 'Apply',
      note: `${formatRef(ref)} ${describeDrift(outcome.action, managers)}; ${outcome.action === 'recreated' ? 're-created' : 're-applied'} by ${FIELD_MANAGER} in ${ms} ms`,
    });
  }

  // Drift seen while our write was in flight may be our own write's event; it is real only when the agent's
  // entry now differs from what our write produced.
  #afterWrite(key: ObjectKey, ownedHash: string | undefined): void {
    const p = this.#pending.get(key);
    if (!p) return;
    if (p.live && this.#observed.get(key)?.agentHash === ownedHash) return this.#cancel(key);
    if (!this.#paused) this.#schedule(key, p, this.#o.debounceMs);
  }

  #retry(key: ObjectKey, p: Pending): void {
    const merged = this.#pending.get(key) ?? p;
    merged.attempts = p.attempts + 1;
    for (const m of p.managers) merged.managers.add(m);
    this.#pending.set(key, merged);
    const delay = Math.min(this.#o.retryDelayMs * 2 ** (merged.attempts - 1), MAX_RETRY_DELAY_MS);
    if (!merged.timer && !this.#paused) this.#schedule(key, merged, delay);
  }

  async #reportFight(ref: ObjectRef, live: KubeObject | undefined, managers: string[], corrections: number) {
    const windowS = Math.round(this.#o.fightWindowMs / 1000);
    this.#o.onFight?.({ ref, managers, corrections, windowMs: this.#o.fightWindowMs });
    const who = managers.length ? `field manager ${managers.join(', ')}` : 'another client';
    await this.#event({
      regarding: { ...ref, uid: live?.metadata.uid, apiVersion: live?.apiVersion ?? 'v1' },
      type: 'Warning',
      reason: 'DriftFight',
      action: 'Apply',
      note: `${formatRef(ref)} was changed back by ${who} after ${corrections} corrections within ${windowS}s; ${FIELD_MANAGER} stops correcting it until its manifest changes or the other writer stops. Leave the field to one owner: remove it from Git, or stop the other writer.`,
    });
  }

  async #event(input: EventInput): Promise<void> {
    const source = this.#o.eventSource ?? { controller: FIELD_MANAGER, instance: hostname() };
    const err = await recordEvent(this.#o.kube, source, input);
    if (err) this.#o.onError?.(err, `event ${input.reason} on ${formatRef(input.regarding)}`);
  }

  #cancel(key: ObjectKey): void {
    const p = this.#pending.get(key);
    if (p?.timer) clearTimeout(p.timer);
    this.#pending.delete(key);
  }

  #forget(key: ObjectKey): void {
    this.#cancel(key);
    this.#expected.delete(key);
    this.#fights.reset(key);
  }

  #clearTimers(): void {
    for (const p of this.#pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.timer = undefined;
    }
  }
}

function describeDrift(action: 'reapplied' | 'recreated', managers: string[]): string {
  if (action === 'recreated') return 'was deleted (the API does not name by whom)';
  if (managers.length === 0)
    return 'lost fields owned by the agent (removed by a client the object does not name)';
  return `was changed by field manager ${managers.join(', ')}`;
}

/** The start of every object key within a watch scope. */
function prefixOf(scope: WatchScope): string {
  return `${scope.group}/${scope.kind}/${scope.namespace ? `${scope.namespace}/` : ''}`;
}
