import https from 'node:https';
import http from 'node:http';
import { loadConnection, type Connection } from './config.ts';
import { KubeApiError, KubeRefusedError, errorFromResponse } from './errors.ts';
import {
  circuitOpen,
  deadlineCut,
  networkError,
  reasonOf,
  throwIfAborted,
  throwIfPastDeadline,
} from './refusals.ts';
import { CircuitBreaker, DEFAULT_CIRCUIT_OPTIONS } from './circuit.ts';

/** Options of the API client. */
export interface KubeClientOptions {
  /** Requests in flight at once (and sockets kept open). Default 16. */
  concurrency: number;
  /** Per-request timeout in milliseconds. Default 30000. */
  timeoutMs: number;
  /** User-Agent sent with every request. Default `gitops-agent`. */
  userAgent: string;
  /** Requests in a row without an answer (timeout, refused or reset connection) that open the circuit. Default 3. */
  circuitThreshold: number;
  /** How long an open circuit fails every request at once before one probe may pass, in ms. Default 15000. */
  circuitCooldownMs: number;
}

/** Defaults of KubeClientOptions. */
export const DEFAULT_KUBE_CLIENT_OPTIONS: Readonly<KubeClientOptions> = {
  concurrency: 16,
  timeoutMs: 30_000,
  userAgent: 'gitops-agent',
  circuitThreshold: DEFAULT_CIRCUIT_OPTIONS.threshold,
  circuitCooldownMs: DEFAULT_CIRCUIT_OPTIONS.cooldownMs,
};

/** A request to the API server: the verb label is what the request counters count. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Counter label, e.g. `LIST` or `DRYRUN`; defaults to the method. */
  verb?: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  accept?: string;
  /** Aborts the request if it is still waiting for a connection slot; see KubeClient.view. */
  signal?: AbortSignal;
}

/** Options of a view: see KubeClient.view. */
export interface KubeViewOptions {
  /** After it, no new request is sent; one in flight finishes. Default none. */
  signal?: AbortSignal;
  /**
   * Read at every request: once the signal it returns is aborted, requests in flight are cut off and new
   * ones refused, with the abort reason's message. Default none.
   */
  deadline?: () => AbortSignal | undefined;
}

/** A successful answer: HTTP status and parsed JSON body. */
export interface KubeResponse {
  status: number;
  body: unknown;
}

/** Called after every request with its verb label and HTTP status (0 when there was no answer). */
export type RequestObserver = (verb: string, status: number) => void;

// What every view of one client shares: the connection, its sockets and the in-flight limit.
interface Shared {
  conn: Connection;
  options: KubeClientOptions;
  agent: http.Agent | undefined;
  delegated: { at: number; opts: https.RequestOptions } | undefined;
  inFlight: number;
  waiting: (() => void)[];
  observers: RequestObserver[];
  circuit: CircuitBreaker;
}

// Delegated auth options are re-read this often so rotating exec credentials are picked up.
const AUTH_REFRESH_MS = 30_000;

/**
 * A thin JSON client for the Kubernetes API: auth from a kubeconfig (src/kube/config.ts), requests over
 * raw HTTPS so bodies are sent and read byte-for-byte (client-node's typed models drop unknown fields:
 * https://github.com/kubernetes-client/javascript/issues/2962).
 */
export class KubeClient {
  /** Requests made so far through this client or view, by verb label. */
  readonly counts: Record<string, number> = {};
  /** Requests made so far through this client or view, by HTTP method. */
  readonly methods: Record<string, number> = {};
  readonly server: string;
  readonly #shared: Shared;
  readonly #parent: KubeClient | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #deadline: (() => AbortSignal | undefined) | undefined;

  private constructor(shared: Shared, parent?: KubeClient, view: KubeViewOptions = {}) {
    this.server = shared.conn.server;
    this.#shared = shared;
    this.#parent = parent;
    this.#signal = view.signal;
    this.#deadline = view.deadline;
  }

  /** Loads a kubeconfig file, or the default chain (KUBECONFIG, ~/.kube/config, in-cluster) when none is given. */
  static load(kubeconfig: string | undefined, options: Partial<KubeClientOptions> = {}): KubeClient {
    const merged = { ...DEFAULT_KUBE_CLIENT_OPTIONS, ...options };
    return new KubeClient({
      conn: loadConnection(kubeconfig),
      options: merged,
      circuit: new CircuitBreaker({
        threshold: merged.circuitThreshold,
        cooldownMs: merged.circuitCooldownMs,
      }),
      agent: undefined,
      delegated: undefined,
      inFlight: 0,
      waiting: [],
      observers: [],
    });
  }

  /**
   * A view for one run: same connection and in-flight limit, its own request counts (also added to this
   * client's), and a signal after which it sends no new request. A request already sent is let finish, so
   * the object in flight is written or not, never cut off mid-answer. A deadline, in contrast, cuts off
   * what is in flight: a frozen API server never answers.
   */
  view(opts: KubeViewOptions = {}): KubeClient {
    return new KubeClient(this.#shared, this, opts);
  }

  /** Adds an observer of every request's verb and status (for metrics); it must not throw. */
  observe(observer: RequestObserver): void {
    this.#shared.observers.push(observer);
  }

  /** Sends one request and parses the JSON answer; a status of 400 or more throws KubeApiError. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const verb = req.verb ?? req.method;
    const signal = req.signal ?? this.#signal;
    const deadline = this.#deadline?.();
    this.#count(verb, req.method);
    throwIfAborted(signal, req);
    throwIfPastDeadline(deadline, req);
    await this.#acquire(signal, req);
    let status = 0;
    let probe = false;
    try {
      throwIfPastDeadline(deadline, req);
      probe = this.#admit(req);
      const res = await this.#send(req, await this.#requestOptions(), deadline);
      status = res.status;
      this.#shared.circuit.answered();
      return res;
    } catch (err) {
      if (err instanceof KubeApiError) status = err.status;
      this.#record(err, req, probe);
      throw err;
    } finally {
      this.#release();
      for (const o of this.#shared.observers) o(verb, status);
    }
  }

  // Refuses the request at once while the circuit is open; true when it is the probe of a cooled-down circuit.
  #admit(req: KubeRequest): boolean {
    const verdict = this.#shared.circuit.admit();
    if (verdict.pass) return verdict.probe;
    throw circuitOpen(req, this.server, this.#shared.options.circuitThreshold, verdict);
  }

  #record(err: unknown, req: KubeRequest, probe: boolean): void {
    const circuit = this.#shared.circuit;
    if (err instanceof KubeRefusedError || (err instanceof KubeApiError && err.reason === 'Aborted')) {
      if (probe) circuit.probeAbandoned();
    } else if (err instanceof KubeApiError && err.status === 0) {
      circuit.unanswered(err.message.slice(`${req.method} ${req.path}: `.length));
    } else if (err instanceof KubeApiError) circuit.answered();
  }

  /** Closes kept-alive sockets. */
  close(): void {
    this.#shared.agent?.destroy();
  }

  #count(verb: string, method: string): void {
    this.counts[verb] = (this.counts[verb] ?? 0) + 1;
    this.methods[method] = (this.methods[method] ?? 0) + 1;
    if (this.#parent) this.#parent.#count(verb, method);
  }

  /** Request options (TLS, auth headers) for a long-lived stream such as a watch, on a socket of its own. */
  async streamOptions(): Promise<https.RequestOptions> {
    const base = await this.#requestOptions();
    // A proxy agent is needed as is; the pool's agent is not, as a watch would hold one of its sockets for minutes.
    if (base.agent !== this.#shared.agent) return base;
    return { ...base, ...(this.#shared.conn.delegate ? {} : this.#shared.conn.tls), agent: false };
  }

  async #requestOptions(): Promise<https.RequestOptions> {
    if (this.#shared.conn.delegate) return this.#delegatedOptions(this.#shared.conn.delegate);
    const pool = { keepAlive: true, maxSockets: this.#shared.options.concurrency };
    this.#shared.agent ??= this.server.startsWith('http:')
      ? new http.Agent(pool)
      : new https.Agent({ ...pool, ...this.#shared.conn.tls });
    return { agent: this.#shared.agent, headers: await this.#shared.conn.authHeaders() };
  }

  // Exec plugins, auth providers and proxies go through client-node, imported only for such kubeconfigs.
  async #delegatedOptions(kubeconfig: string): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.#shared.delegated && now - this.#shared.delegated.at < AUTH_REFRESH_MS)
      return this.#shared.delegated.opts;
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    // client-node's own agent has no keep-alive and no socket cap; keep it only when it is a proxy agent.
    if (!kc.getCurrentCluster()?.proxyUrl) {
      this.#shared.agent ??= new https.Agent({
        keepAlive: true,
        maxSockets: this.#shared.options.concurrency,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.rejectUnauthorized,
      });
      opts.agent = this.#shared.agent;
    }
    this.#shared.delegated = { at: now, opts };
    return opts;
  }

  #send(
    req: KubeRequest,
    base: https.RequestOptions,
    deadline: AbortSignal | undefined,
  ): Promise<KubeResponse> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string | number> = {
      ...(base.headers as Record<string, string>),
      Accept: req.accept ?? 'application/json',
      'User-Agent': this.#shared.options.userAgent,
    };
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    const mod = url.protocol === 'http:' ? http : https;
    let cut: (() => void) | undefined;
    const circuit = this.#shared.circuit.signal;
    return new Promise<KubeResponse>((resolve, reject) => {
      const r = mod.request(
        url,
        { ...base, method: req.method, headers, timeout: this.#shared.options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(networkError(req, e)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // A non-JSON body (e.g. a proxy's HTML error page) is kept as text for the message.
            }
            if (status >= 400) reject(errorFromResponse(req.method, req.path, status, body));
            else resolve({ status, body });
          });
        },
      );
      r.on('timeout', () =>
        r.destroy(new Error(`no answer within ${this.#shared.options.timeoutMs} ms from ${this.server}`)),
      );
      r.on('error', (e) => reject(networkError(req, e)));
      cut = () =>
        r.destroy(
          deadline?.aborted
            ? deadlineCut(req, deadline)
            : circuitOpen(req, this.server, this.#shared.options.circuitThreshold, {
                cause: reasonOf(circuit),
              }),
        );
      deadline?.addEventListener('abort', cut, { once: true });
      circuit.addEventListener('abort', cut, { once: true });
      r.end(req.body);
    }).finally(() => {
      if (!cut) return;
      deadline?.removeEventListener('abort', cut);
      circuit.removeEventListener('abort', cut);
    });
  }

  async #acquire(signal: AbortSignal | undefined, req: KubeRequest): Promise<void> {
    const shared = this.#shared;
    if (shared.inFlight < shared.options.concurrency) {
      shared.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => shared.waiting.push(resolve));
    // The slot was handed over; an abort while waiting gives it back unused.
    if (signal?.aborted) {
      this.#release();
      throwIfAborted(signal, req);
    }
  }

  #release(): void {
    const next = this.#shared.waiting.shift();
    if (next) next();
    else this.#shared.inFlight--;
  }
}
