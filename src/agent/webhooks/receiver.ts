import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Counter, Registry } from 'prom-client';
import type { WebhookReceiverConfig, WebhookSettings } from '../config-webhooks.ts';
import { readBody, type BodyResult } from './body.ts';
import { SeenDeliveries } from './deliveries.ts';
import type { PullRequestEvent, PushEvent, WebhookParser, WebhookRequest } from './event.ts';
import { deliveryCounter, type DeliveryResult } from './metrics.ts';
import { parserFor } from './providers/index.ts';
import { followsRef, sameRepo } from './repo-url.ts';
import { SecretFile } from './secret-file.ts';

/** What the receiver needs of the agent (the Agent class has it): the targets and a way to start a sync. */
export interface TriggerSink {
  targets(): string[];
  targetConfig(name: string): { target: { url: string; ref: string } } | undefined;
  trigger(target: string, reason: string): boolean;
  /** Which targets this replica syncs (replicas.mode leader or shards); absent: all of them. */
  ownership?: { owns(target: string): boolean };
  /** Asks the replica that owns `target` for a sync (its inventory parent's `requested-at`). */
  requestSync?(target: string): Promise<void>;
}

/** A verified pull-request delivery, with the targets that follow the branch it merges into. */
export interface PullRequestDelivery extends PullRequestEvent {
  provider: WebhookReceiverConfig['provider'];
  deliveryId: string | undefined;
  targets: string[];
}

/** Options of WebhookReceiver. */
export interface WebhookReceiverOptions {
  settings: WebhookSettings;
  /** The agent once it exists; until then deliveries get 503 and may be retried. */
  sink: () => TriggerSink | undefined;
  /** Called for each verified pull-request event that a target's branch is the base of. Default: none. */
  onPullRequest?: (event: PullRequestDelivery) => void;
  /** Bytes all requests being read may hold together (each counts its Content-Length, else maxBodyBytes); 503 beyond. Default 32 MiB. */
  maxInFlightBytes?: number;
  /** Longest a request may take to send its body, in ms; the connection is closed after it. Default 10000. */
  readTimeoutMs?: number;
  /** Registry for `gitops_webhook_deliveries_total`. */
  registry: Registry;
  log: Logger;
}

interface Endpoint {
  config: WebhookReceiverConfig;
  parser: WebhookParser;
  secret: SecretFile;
}

// How long a refused connection may stay open for the answer to reach the sender.
const TOO_LARGE_LINGER_MS = 500;

/**
 * The webhook endpoints on the agent's listener: each verifies its host's signature against a secret file,
 * drops replayed deliveries, and turns a push to a followed branch into `trigger(target, 'webhook')`.
 * Answers: 401 bad or missing credentials, 413 body over the limit, 200 ping or duplicate, 202 otherwise.
 */
export class WebhookReceiver {
  readonly #opts: WebhookReceiverOptions;
  readonly #deliveries: Counter<'provider' | 'result'>;
  readonly #seen: SeenDeliveries;
  #settings: WebhookSettings;
  #endpoints = new Map<string, Endpoint>();
  #inFlightBytes = 0;

  constructor(opts: WebhookReceiverOptions) {
    this.#opts = opts;
    this.#settings = opts.settings;
    this.#deliveries = deliveryCounter(opts.registry);
    this.#seen = new SeenDeliveries(2 * opts.settings.rememberDeliveries);
    this.reload(opts.settings);
  }

  /** Takes new settings: endpoints added, removed or changed at once; remembered delivery ids are kept. */
  reload(settings: WebhookSettings): void {
    this.#settings = settings;
    // Two keys per delivery: its id and its body's hash.
    this.#seen.resize(2 * settings.rememberDeliveries);
    const next = new Map<string, Endpoint>();
    for (const config of settings.receivers) {
      const old = this.#endpoints.get(config.path);
      const secret =
        old?.config.secretFile === config.secretFile ? old.secret : new SecretFile(config.secretFile);
      next.set(config.path, { config, parser: parserFor(config), secret });
    }
    this.#endpoints = next;
  }

  /** Handles the request when its path is an endpoint's and returns true; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const endpoint = this.#endpoints.get((req.url ?? '/').split('?')[0]!);
    if (!endpoint) return false;
    this.#serve(endpoint, req, res).catch((err: unknown) => {
      this.#opts.log.warn({ err, path: endpoint.config.path }, 'webhook: delivery not handled');
      if (!res.headersSent) reply(res, 500, { result: 'error' });
    });
    return true;
  }

  async #serve(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { provider, path } = endpoint.config;
    const { log } = this.#opts;
    const count = (result: DeliveryResult): void => this.#deliveries.inc({ provider, result });
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return reply(res, 405, { result: 'method not allowed' });
    }
    const limit = this.#settings.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    const length = Number.isFinite(declared) ? declared : undefined;
    // Every request being read holds its body until its signature is checked: together they stay in a budget.
    const reserved = Math.min(limit, length ?? limit);
    if (this.#inFlightBytes + reserved > (this.#opts.maxInFlightBytes ?? 32 * 1024 * 1024)) {
      count('unavailable');
      log.warn(
        { provider, path, inFlight: this.#inFlightBytes },
        'webhook: too many bodies being read, refused',
      );
      return refuse(req, res, 503, { result: 'busy' });
    }
    this.#inFlightBytes += reserved;
    const timeoutMs = this.#opts.readTimeoutMs ?? 10_000;
    const timer = setTimeout(() => req.destroy(new Error(`body not sent within ${timeoutMs} ms`)), timeoutMs);
    try {
      const read = await readBody(req, limit, length).finally(() => clearTimeout(timer));
      await this.#handleBody(endpoint, req, res, read);
    } finally {
      this.#inFlightBytes -= reserved;
    }
  }

  async #handleBody(
    endpoint: Endpoint,
    req: IncomingMessage,
    res: ServerResponse,
    read: BodyResult,
  ): Promise<void> {
    const { provider, path } = endpoint.config;
    const { log } = this.#opts;
    const count = (result: DeliveryResult): void => this.#deliveries.inc({ provider, result });
    const limit = this.#settings.maxBodyBytes;
    if (read.kind === 'too-large') {
      count('too-large');
      log.warn({ provider, path, limit }, 'webhook: body over the limit, refused');
      return refuse(req, res, 413, { result: 'too large', limit });
    }
    const delivery: WebhookRequest = { headers: req.headers, body: read.body };
    let secret: Buffer;
    try {
      secret = await endpoint.secret.read();
    } catch (err) {
      count('unavailable');
      log.error({ provider, path, err }, 'webhook: cannot read the secret file');
      return reply(res, 503, { result: 'secret unavailable' });
    }
    if (!endpoint.parser.verify(delivery, { value: secret, username: endpoint.config.username })) {
      count('unauthorized');
      log.warn({ provider, path, from: req.socket.remoteAddress }, 'webhook: missing or wrong signature');
      return reply(res, 401, { result: 'unauthorized' });
    }
    let payload: unknown;
    try {
      payload = endpoint.parser.payload(delivery);
    } catch {
      count('bad-request');
      return reply(res, 400, { result: `bad request: not a ${provider} payload` });
    }
    const id = endpoint.parser.deliveryId(delivery, payload);
    // No signature covers the delivery-id header: a replay with it removed or changed still has the same body.
    const keys = [`${path} body ${createHash('sha256').update(read.body).digest('hex')}`];
    if (id !== undefined) keys.push(`${path} ${id}`);
    if (keys.some((k) => this.#seen.has(k))) {
      count('duplicate');
      log.info({ provider, delivery: id }, 'webhook: delivery seen before, ignored');
      return reply(res, 200, { result: 'duplicate' });
    }
    const sink = this.#opts.sink();
    if (!sink) {
      count('unavailable');
      return reply(res, 503, { result: 'agent starting' });
    }
    for (const k of keys) this.#seen.add(k);
    const event = endpoint.parser.parse(delivery, payload);
    if (event.kind === 'ping') {
      count('ping');
      return reply(res, 200, { result: 'pong' });
    }
    if (event.kind === 'other') {
      count('ignored');
      return reply(res, 202, { result: 'ignored', event: event.event });
    }
    if (event.kind === 'pull-request') {
      const targets = this.#matching(endpoint, sink, event.repoUrls, [`refs/heads/${event.baseRef}`]);
      count('pull-request');
      if (targets.length > 0) this.#opts.onPullRequest?.({ ...event, provider, deliveryId: id, targets });
      return reply(res, 202, { result: 'pull-request', targets });
    }
    const targets = this.#matching(endpoint, sink, event.repoUrls, movedRefs(event));
    // A target another replica owns would not sync here: its owner is asked through the inventory parent.
    const elsewhere = targets.filter((t) => sink.ownership?.owns(t) === false && sink.requestSync);
    const triggered = targets.filter((t) => !elsewhere.includes(t) && sink.trigger(t, 'webhook'));
    const requested: string[] = [];
    for (const t of elsewhere) {
      try {
        await sink.requestSync!(t);
        requested.push(t);
      } catch (err) {
        log.warn(
          { provider, delivery: id, target: t, err },
          'webhook: could not ask the owning replica for a sync',
        );
      }
    }
    const any = triggered.length + requested.length > 0;
    count(any ? 'triggered' : 'ignored');
    log.info(
      { provider, delivery: id, targets: triggered, ...(requested.length ? { requested } : {}) },
      any ? 'webhook: push triggered a sync' : 'webhook: push followed by no target',
    );
    return reply(res, 202, {
      result: any ? 'triggered' : 'ignored',
      targets: triggered,
      ...(requested.length ? { requested } : {}),
    });
  }

  #matching(endpoint: Endpoint, sink: TriggerSink, urls: string[], refs: string[]): string[] {
    const allowed = endpoint.config.targets;
    return sink.targets().filter((name) => {
      if (allowed && !allowed.includes(name)) return false;
      const t = sink.targetConfig(name)?.target;
      return t !== undefined && sameRepo(t.url, urls) && refs.some((r) => followsRef(t.ref, r));
    });
  }
}

// A deleted ref starts no sync: the target's next fetch would only fail on it.
function movedRefs(event: PushEvent): string[] {
  return event.changes.filter((c) => c.after !== undefined).map((c) => c.ref);
}

// Answers without reading the rest of the body, and closes the connection once the answer is out.
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
): void {
  res.setHeader('Connection', 'close');
  res.once('finish', () => setTimeout(() => req.destroy(), TOO_LARGE_LINGER_MS).unref());
  reply(res, status, body);
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
