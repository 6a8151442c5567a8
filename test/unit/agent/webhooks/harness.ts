// The receiver under test, on the agent's real HTTP server: every provider's endpoint with one secret file,
// four targets to match against, and what was triggered or handed to onPullRequest, fresh for each test.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import {
  WEBHOOK_PROVIDERS,
  webhooksSchema,
  type WebhookProvider,
} from '../../../../src/agent/config-webhooks.ts';
import { createMetrics } from '../../../../src/agent/metrics.ts';
import { Readiness } from '../../../../src/agent/readiness.ts';
import { startServer, type AgentServer } from '../../../../src/agent/server.ts';
import {
  WebhookReceiver,
  type PullRequestDelivery,
  type TriggerSink,
  type WebhookReceiverOptions,
} from '../../../../src/agent/webhooks/receiver.ts';
import { parsePromText } from '../../../support/prom-text.ts';
import { pushDelivery, type Delivery } from './signed.ts';

export const SECRET = 'correct horse battery staple';
export const REPO = 'https://git.example.com/acme/deploy.git';
export const SHA = 'a'.repeat(40);

// Two targets follow main of the repository (one under another spelling of its URL), one a branch, one elsewhere.
const targets: Record<string, { url: string; ref: string }> = {
  web: { url: REPO, ref: 'main' },
  api: { url: 'https://x-access-token:tok@GIT.EXAMPLE.COM/acme/deploy/', ref: 'refs/heads/main' },
  staging: { url: REPO, ref: 'staging' },
  other: { url: 'https://git.example.com/acme/other.git', ref: 'main' },
};

/** The state of one test: the server, the secret's directory, and what the receiver did. */
export interface Harness {
  port: number;
  dir: string;
  triggered: [string, string][];
  /** Targets this replica does not own (replicas.mode leader/shards); their syncs are requested instead. */
  notOwned: Set<string>;
  /** Targets whose owner was asked for a sync through requestSync. */
  requested: string[];
  pulls: PullRequestDelivery[];
  /** Gives the running receiver new settings, as a config reload does. */
  reload(webhooks: unknown): void;
  /** Starts the server again with `agent.webhooks` keys merged into the defaults, and receiver options. */
  restart(extra: Record<string, unknown>, options?: Partial<WebhookReceiverOptions>): Promise<void>;
  /** POSTs a delivery as JSON; resolves with the status and the parsed answer. */
  post(path: string, d: Delivery): Promise<{ status: number; json: Record<string, unknown> }>;
  /** `gitops_webhook_deliveries_total` as `provider/result` → count. */
  deliveries(): Promise<Record<string, number>>;
}

/** A push of SHA to `ref` of `repoUrl`, signed with SECRET as `provider` signs. */
export const push = (provider: WebhookProvider, ref: string, id: string, repoUrl = REPO): Delivery =>
  pushDelivery(provider, { secret: SECRET, repoUrl, ref, sha: SHA, id });

/** The hex HMAC-SHA256 of `body` under SECRET. */
export const signed = (body: string): string => createHmac('sha256', SECRET).update(body).digest('hex');

/** Registers the beforeEach/afterEach that give every test a fresh receiver; returns its harness. */
export function useReceiver(): Harness {
  let server: AgentServer;
  let metrics: ReturnType<typeof createMetrics>;
  let receiver: WebhookReceiver;
  const sink: TriggerSink = {
    targets: () => Object.keys(targets),
    targetConfig: (name) => (targets[name] ? { target: targets[name] } : undefined),
    trigger: (target, reason) => h.triggered.push([target, reason]) > 0,
    ownership: { owns: (target) => !h.notOwned.has(target) },
    requestSync: async (target) => void h.requested.push(target),
  };
  const start = async (
    extra: Record<string, unknown> = {},
    options: Partial<WebhookReceiverOptions> = {},
  ): Promise<void> => {
    const settings = webhooksSchema.parse({
      maxBodyBytes: 64 * 1024,
      receivers: WEBHOOK_PROVIDERS.map((provider) => ({
        provider,
        secretFile: join(h.dir, 'secret'),
        ...(provider === 'azure-devops' ? { username: 'hook' } : {}),
      })),
      ...extra,
    });
    metrics = createMetrics({ cluster: 'c' });
    receiver = new WebhookReceiver({
      settings,
      sink: () => sink,
      onPullRequest: (e) => h.pulls.push(e),
      registry: metrics.registry,
      log: pino({ level: 'silent' }),
      ...options,
    });
    const handle = receiver.handle.bind(receiver);
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      readiness: new Readiness(),
      handle,
    });
    h.port = server.port;
  };
  const h: Harness = {
    port: 0,
    dir: '',
    triggered: [],
    notOwned: new Set(),
    requested: [],
    pulls: [],
    reload: (webhooks) => receiver.reload(webhooksSchema.parse(webhooks)),
    async restart(extra, options) {
      await server.close();
      await start(extra, options);
    },
    async post(path, d) {
      const res = await fetch(`http://127.0.0.1:${h.port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...d.headers },
        body: d.body,
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    async deliveries() {
      const fam = parsePromText(await metrics.registry.metrics()).get('gitops_webhook_deliveries_total');
      return Object.fromEntries(
        (fam?.samples ?? []).map((s) => [`${s.labels['provider']}/${s.labels['result']}`, s.value]),
      );
    },
  };
  beforeEach(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'gitops-webhook-unit-'));
    writeFileSync(join(h.dir, 'secret'), `${SECRET}\n`);
    h.triggered = [];
    h.notOwned = new Set();
    h.requested = [];
    h.pulls = [];
    await start();
  });
  afterEach(async () => {
    await server.close();
    rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}
