/** Options of the circuit breaker in front of the API server. */
export interface CircuitOptions {
  /** Consecutive timeouts or connection failures after which the circuit opens. Default 3. */
  threshold: number;
  /** Milliseconds the circuit stays open before one probe request may pass. Default 15000. */
  cooldownMs: number;
}

/** Defaults of CircuitOptions. */
export const DEFAULT_CIRCUIT_OPTIONS: Readonly<CircuitOptions> = { threshold: 3, cooldownMs: 15_000 };

/** Where the circuit stands: `openedAt` and `cause` exist only while it is open or probing. */
export type CircuitState =
  | { readonly state: 'closed'; readonly failures: number }
  | { readonly state: 'open'; readonly openedAt: number; readonly cause: string }
  | { readonly state: 'half_open'; readonly openedAt: number; readonly cause: string };

/** Whether a request may be sent now; a refusal says why, a probe is the one request let through to test. */
export type CircuitVerdict =
  | { readonly pass: true; readonly probe: boolean }
  | { readonly pass: false; readonly cause: string; readonly retryInMs: number };

/**
 * A circuit breaker for one API server: after `threshold` requests in a row got no answer (a timeout, a
 * refused or reset connection) it fails every request at once for `cooldownMs`, then lets one probe through;
 * an answer, any answer including an HTTP error, closes it again. Opening also cuts off the requests still in
 * flight (`signal`): they went to the same silent server, and one sent just before it opened would otherwise
 * wait out its own timeout after every other request had failed. Without it a frozen API server held a sync
 * for 29.5 minutes: 732 requests, each waiting out its own 30 s timeout, 16 at a time.
 */
export class CircuitBreaker {
  readonly #options: CircuitOptions;
  readonly #now: () => number;
  #state: CircuitState = { state: 'closed', failures: 0 };
  #trip = new AbortController();

  constructor(options: Partial<CircuitOptions> = {}, now: () => number = Date.now) {
    this.#options = { ...DEFAULT_CIRCUIT_OPTIONS, ...options };
    if (!(Number.isInteger(this.#options.threshold) && this.#options.threshold >= 1))
      throw new RangeError(
        `circuit threshold must be a whole number ≥ 1: received ${this.#options.threshold}`,
      );
    if (!(this.#options.cooldownMs >= 0))
      throw new RangeError(`circuit cooldownMs must be ≥ 0: received ${this.#options.cooldownMs}`);
    this.#now = now;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.#state;
  }

  /** Aborted when the circuit opens, with the cause as reason; a request in flight listens to it. */
  get signal(): AbortSignal {
    return this.#trip.signal;
  }

  /** Asks to send one request; an open circuit refuses, a cooled-down one passes a single probe. */
  admit(): CircuitVerdict {
    const s = this.#state;
    if (s.state === 'closed') return { pass: true, probe: false };
    const retryInMs = Math.max(0, s.openedAt + this.#options.cooldownMs - this.#now());
    if (s.state === 'open' && retryInMs === 0) {
      this.#state = { state: 'half_open', openedAt: s.openedAt, cause: s.cause };
      this.#trip = new AbortController();
      return { pass: true, probe: true };
    }
    return { pass: false, cause: s.cause, retryInMs };
  }

  /** Records that the server answered (whatever the HTTP status): the circuit closes. */
  answered(): void {
    this.#state = { state: 'closed', failures: 0 };
    if (this.#trip.signal.aborted) this.#trip = new AbortController();
  }

  /** Records a request that got no answer; the `threshold`-th in a row, or a failed probe, opens the circuit. */
  unanswered(cause: string): void {
    const s = this.#state;
    const failures = s.state === 'closed' ? s.failures + 1 : this.#options.threshold;
    if (s.state === 'open') return;
    if (failures < this.#options.threshold) {
      this.#state = { state: 'closed', failures };
      return;
    }
    this.#state = { state: 'open', openedAt: this.#now(), cause };
    this.#trip.abort(new Error(cause));
  }

  /** Gives back a probe that was never sent (stopped or cut off before an answer): the next request probes. */
  probeAbandoned(): void {
    const s = this.#state;
    if (s.state === 'half_open') this.#state = { state: 'open', openedAt: 0, cause: s.cause };
  }
}
