import https from 'node:https';
import http from 'node:http';
import { loadConnection, type Connection } from './config.ts';
import { KubeApiError, errorFromResponse } from './errors.ts';

/** Options of the API client. */
export interface KubeClientOptions {
  /** Requests in flight at once (and sockets kept open). Default 16. */
  concurrency: number;
  /** Per-request timeout in milliseconds. Default 30000. */
  timeoutMs: number;
  /** User-Agent sent with every request. Default `gitops-agent`. */
  userAgent: string;
}

/** Defaults of KubeClientOptions. */
export const DEFAULT_KUBE_CLIENT_OPTIONS: Readonly<KubeClientOptions> = {
  concurrency: 16,
  timeoutMs: 30_000,
  userAgent: 'gitops-agent',
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
}

/** A successful answer: HTTP status and parsed JSON body. */
export interface KubeResponse {
  status: number;
  body: unknown;
}

// Delegated auth options are re-read this often so rotating exec credentials are picked up.
const AUTH_REFRESH_MS = 30_000;

/**
 * A thin JSON client for the Kubernetes API: auth from a kubeconfig (src/kube/config.ts), requests over
 * raw HTTPS so bodies are sent and read byte-for-byte (client-node's typed models drop unknown fields:
 * https://github.com/kubernetes-client/javascript/issues/2962).
 */
export class KubeClient {
  /** Requests made so far, by verb label. */
  readonly counts: Record<string, number> = {};
  /** Requests made so far, by HTTP method. */
  readonly methods: Record<string, number> = {};
  readonly server: string;
  readonly #conn: Connection;
  readonly #options: KubeClientOptions;
  #agent: http.Agent | undefined;
  #delegated: { at: number; opts: https.RequestOptions } | undefined;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  private constructor(conn: Connection, options: KubeClientOptions) {
    this.server = conn.server;
    this.#conn = conn;
    this.#options = options;
  }

  /** Loads a kubeconfig file, or the default chain (KUBECONFIG, ~/.kube/config, in-cluster) when none is given. */
  static load(kubeconfig: string | undefined, options: Partial<KubeClientOptions> = {}): KubeClient {
    return new KubeClient(loadConnection(kubeconfig), { ...DEFAULT_KUBE_CLIENT_OPTIONS, ...options });
  }

  /** Sends one request and parses the JSON answer; a status of 400 or more throws KubeApiError. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const verb = req.verb ?? req.method;
    this.counts[verb] = (this.counts[verb] ?? 0) + 1;
    this.methods[req.method] = (this.methods[req.method] ?? 0) + 1;
    await this.#acquire();
    try {
      return await this.#send(req, await this.#requestOptions());
    } finally {
      this.#release();
    }
  }

  /** Closes kept-alive sockets. */
  close(): void {
    this.#agent?.destroy();
  }

  /** Request options (TLS, auth headers) for a long-lived stream such as a watch, on a socket of its own. */
  async streamOptions(): Promise<https.RequestOptions> {
    const base = await this.#requestOptions();
    // A proxy agent is needed as is; the pool's agent is not, as a watch would hold one of its sockets for minutes.
    if (base.agent !== this.#agent) return base;
    return { ...base, ...(this.#conn.delegate ? {} : this.#conn.tls), agent: false };
  }

  async #requestOptions(): Promise<https.RequestOptions> {
    if (this.#conn.delegate) return this.#delegatedOptions(this.#conn.delegate);
    const pool = { keepAlive: true, maxSockets: this.#options.concurrency };
    this.#agent ??= this.server.startsWith('http:')
      ? new http.Agent(pool)
      : new https.Agent({ ...pool, ...this.#conn.tls });
    return { agent: this.#agent, headers: await this.#conn.authHeaders() };
  }

  // Exec plugins, auth providers and proxies go through client-node, imported only for such kubeconfigs.
  async #delegatedOptions(kubeconfig: string): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.#delegated && now - this.#delegated.at < AUTH_REFRESH_MS) return this.#delegated.opts;
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    // client-node's own agent has no keep-alive and no socket cap; keep it only when it is a proxy agent.
    if (!kc.getCurrentCluster()?.proxyUrl) {
      this.#agent ??= new https.Agent({
        keepAlive: true,
        maxSockets: this.#options.concurrency,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.rejectUnauthorized,
      });
      opts.agent = this.#agent;
    }
    this.#delegated = { at: now, opts };
    return opts;
  }

  #send(req: KubeRequest, base: https.RequestOptions): Promise<KubeResponse> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string | number> = {
      ...(base.headers as Record<string, string>),
      Accept: req.accept ?? 'application/json',
      'User-Agent': this.#options.userAgent,
    };
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise<KubeResponse>((resolve, reject) => {
      const r = mod.request(
        url,
        { ...base, method: req.method, headers, timeout: this.#options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) =>
            reject(new KubeApiError(0, 'NetworkError', `${req.method} ${req.path}: ${e.message}`)),
          );
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
        r.destroy(new Error(`no answer within ${this.#options.timeoutMs} ms from ${this.server}`)),
      );
      r.on('error', (e) =>
        reject(new KubeApiError(0, 'NetworkError', `${req.method} ${req.path}: ${e.message}`)),
      );
      r.end(req.body);
    });
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#options.concurrency) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }
}
