// The webhook receiver over real HTTP: per host, a signed push to a followed branch triggers exactly the
// targets that follow it; forged, missing and replayed signatures trigger nothing; a body over the limit is
// refused with 413 without being read in full.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../../../../src/agent/config-webhooks.ts';
import { webhooksSchema } from '../../../../src/agent/config-webhooks.ts';
import { createMetrics } from '../../../../src/agent/metrics.ts';
import { Readiness } from '../../../../src/agent/readiness.ts';
import { startServer, type AgentServer } from '../../../../src/agent/server.ts';
import {
  WebhookReceiver,
  type PullRequestDelivery,
  type TriggerSink,
} from '../../../../src/agent/webhooks/receiver.ts';
import { parsePromText } from '../../../support/prom-text.ts';
import { forged, pushDelivery, unsigned, type Delivery } from './signed.ts';

const SECRET = 'correct horse battery staple';
const REPO = 'https://git.example.com/acme/deploy.git';
const SHA = 'a'.repeat(40);

let dir: string;
let server: AgentServer;
let receiver: WebhookReceiver;
let triggered: [string, string][];
let pulls: PullRequestDelivery[];
let metrics: ReturnType<typeof createMetrics>;

// Three targets: two follow main of the repository (one under another spelling of its URL), one a branch.
const targets: Record<string, { url: string; ref: string }> = {
  web: { url: REPO, ref: 'main' },
  api: { url: 'https://x-access-token:tok@GIT.EXAMPLE.COM/acme/deploy/', ref: 'refs/heads/main' },
  staging: { url: REPO, ref: 'staging' },
  other: { url: 'https://git.example.com/acme/other.git', ref: 'main' },
};
const sink: TriggerSink = {
  targets: () => Object.keys(targets),
  targetConfig: (name) => (targets[name] ? { target: targets[name] } : undefined),
  trigger: (target, reason) => {
    triggered.push([target, reason]);
    return true;
  },
};

async function start(extra: Record<string, unknown> = {}): Promise<void> {
  const settings = webhooksSchema.parse({
    maxBodyBytes: 64 * 1024,
    receivers: WEBHOOK_PROVIDERS.map((provider) => ({
      provider,
      secretFile: join(dir, 'secret'),
      ...(provider === 'azure-devops' ? { username: 'hook' } : {}),
    })),
    ...extra,
  });
  metrics = createMetrics({ cluster: 'c' });
  receiver = new WebhookReceiver({
    settings,
    sink: () => sink,
    onPullRequest: (e) => pulls.push(e),
    registry: metrics.registry,
    log: pino({ level: 'silent' }),
  });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    readiness: new Readiness(),
    handle: receiver.handle.bind(receiver),
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gitops-webhook-unit-'));
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  triggered = [];
  pulls = [];
  await start();
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, d: Delivery): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...d.headers },
    body: d.body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function deliveries(): Promise<Record<string, number>> {
  const fam = parsePromText(await metrics.registry.metrics()).get('gitops_webhook_deliveries_total');
  return Object.fromEntries(
    (fam?.samples ?? []).map((s) => [`${s.labels['provider']}/${s.labels['result']}`, s.value]),
  );
}

const push = (provider: WebhookProvider, ref: string, id: string, repoUrl = REPO) =>
  pushDelivery(provider, { secret: SECRET, repoUrl, ref, sha: SHA, id });

describe.each(WEBHOOK_PROVIDERS)('the %s receiver', (provider) => {
  const path = `/hooks/${provider}`;

  it('triggers every target that follows the pushed branch of that repository, and no other', async () => {
    const res = await post(path, push(provider, 'refs/heads/main', `${provider}-1`));
    expect(res).toEqual({ status: 202, json: { result: 'triggered', targets: ['web', 'api'] } });
    expect(triggered).toEqual([
      ['web', 'webhook'],
      ['api', 'webhook'],
    ]);
    expect((await deliveries())[`${provider}/triggered`]).toBe(1);
  });

  it('answers 202 and triggers nothing for a branch or repository no target follows', async () => {
    expect((await post(path, push(provider, 'refs/heads/feature', 'f-1'))).json).toEqual({
      result: 'ignored',
      targets: [],
    });
    const elsewhere = push(provider, 'refs/heads/main', 'f-2', 'https://git.example.com/acme/unrelated.git');
    expect(await post(path, elsewhere)).toEqual({ status: 202, json: { result: 'ignored', targets: [] } });
    expect(triggered).toEqual([]);
  });

  it('refuses a forged or a missing signature with 401 and triggers nothing', async () => {
    const good = push(provider, 'refs/heads/main', `${provider}-forged`);
    expect((await post(path, forged(provider, good, 'not the secret'))).status).toBe(401);
    expect((await post(path, unsigned(good))).status).toBe(401);
    // A body changed after signing no longer matches; the GitLab token and Azure basic auth sign no body.
    const tampered = { ...good, body: good.body.replaceAll(SHA, 'b'.repeat(40)) };
    const bodyUnsigned = provider === 'gitlab' || provider === 'azure-devops';
    expect((await post(path, tampered)).status).toBe(bodyUnsigned ? 202 : 401);
    expect(triggered.map(([t]) => t)).toEqual(bodyUnsigned ? ['web', 'api'] : []);
    expect((await deliveries())[`${provider}/unauthorized`]).toBe(bodyUnsigned ? 2 : 3);
  });

  it('ignores a delivery id it has seen before', async () => {
    const d = push(provider, 'refs/heads/main', `${provider}-replayed`);
    expect((await post(path, d)).status).toBe(202);
    expect(await post(path, d)).toEqual({ status: 200, json: { result: 'duplicate' } });
    expect(triggered.map(([t]) => t)).toEqual(['web', 'api']);
    expect((await deliveries())[`${provider}/duplicate`]).toBe(1);
  });

  it('answers 413 to a body over the limit, before reading it all, and triggers nothing', async () => {
    const d = push(provider, 'refs/heads/main', 'big');
    const declared = await post(path, { ...d, body: d.body + ' '.repeat(70 * 1024) });
    expect(declared.status).toBe(413);
    // Chunked, so no Content-Length tells the size in advance: the server counts and stops.
    const streamed = await postStream(path, d.headers, 64 * 1024 * 1024);
    expect(streamed.status).toBe(413);
    expect(streamed.bytesWritten).toBeLessThan(64 * 1024 * 1024);
    expect(triggered).toEqual([]);
    expect((await deliveries())[`${provider}/too-large`]).toBe(2);
  });
});

// Writes `total` bytes chunked, stopping as soon as a response arrives; resolves with its status.
function postStream(
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<{ status: number; bytesWritten: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let status: number | undefined;
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers }, (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => resolve({ status: status ?? 0, bytesWritten: written }));
    });
    // The server drops the connection after its answer; a write failing then is expected.
    req.on('error', (err) => (status === undefined ? reject(err) : undefined));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (status === undefined && written < total) {
        written += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (status === undefined) req.end();
    };
    pump();
  });
}

describe('the webhook receiver', () => {
  it('answers GitHub and Bitbucket Data Center pings with 200 and triggers nothing', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const gh = await post('/hooks/github', {
      body: ping,
      headers: {
        'x-github-event': 'ping',
        'x-github-delivery': 'p1',
        'x-hub-signature-256': `sha256=${signed(ping)}`,
      },
    });
    expect(gh).toEqual({ status: 200, json: { result: 'pong' } });
    const bb = await post('/hooks/bitbucket-server', {
      body: '{"test":true}',
      headers: { 'x-event-key': 'diagnostics:ping', 'x-hub-signature': `sha256=${signed('{"test":true}')}` },
    });
    expect(bb.status).toBe(200);
    expect(triggered).toEqual([]);
  });

  it('hands a pull request into a followed branch to onPullRequest, with the targets, and syncs nothing', async () => {
    const body = JSON.stringify({
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, head: { sha: SHA, ref: 'feature/x' }, base: { ref: 'main' }, merged: false },
      repository: { clone_url: REPO },
    });
    const res = await post('/hooks/github', {
      body,
      headers: {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'pr-1',
        'x-hub-signature-256': `sha256=${signed(body)}`,
      },
    });
    expect(res).toEqual({ status: 202, json: { result: 'pull-request', targets: ['web', 'api'] } });
    expect(pulls).toEqual([
      {
        kind: 'pull-request',
        provider: 'github',
        deliveryId: 'pr-1',
        repoUrls: [REPO],
        number: 7,
        action: 'updated',
        headSha: SHA,
        headRef: 'feature/x',
        baseRef: 'main',
        targets: ['web', 'api'],
      },
    ]);
    expect(triggered).toEqual([]);
  });

  it('reads the secret file again when it changes: the new secret is accepted, the old one refused', async () => {
    expect((await post('/hooks/github', push('github', 'refs/heads/main', 'r1'))).status).toBe(202);
    writeFileSync(join(dir, 'secret'), 'rotated-secret-value');
    expect((await post('/hooks/github', push('github', 'refs/heads/main', 'r2'))).status).toBe(401);
    const rotated = pushDelivery('github', {
      secret: 'rotated-secret-value',
      repoUrl: REPO,
      ref: 'refs/heads/main',
      sha: SHA,
      id: 'r3',
    });
    expect((await post('/hooks/github', rotated)).status).toBe(202);
  });

  it('forgets the oldest delivery ids beyond rememberDeliveries', async () => {
    await server.close();
    await start({ rememberDeliveries: 2 });
    for (const id of ['d1', 'd2', 'd3']) await post('/hooks/github', push('github', 'refs/heads/main', id));
    expect((await post('/hooks/github', push('github', 'refs/heads/main', 'd3'))).status).toBe(200);
    expect((await post('/hooks/github', push('github', 'refs/heads/main', 'd1'))).status).toBe(202);
  });

  it('answers 405 to a GET and 400 to a signed body that is not JSON, and leaves other paths to the server', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/hooks/github`)).status).toBe(405);
    const res = await post('/hooks/github', {
      body: 'not json',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signed('not json')}` },
    });
    expect(res.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    expect(triggered).toEqual([]);
  });

  it('answers 503 while the secret file cannot be read, and triggers nothing', async () => {
    rmSync(join(dir, 'secret'));
    expect((await post('/hooks/github', push('github', 'refs/heads/main', 'n1'))).status).toBe(503);
    expect(triggered).toEqual([]);
  });
});

function signed(body: string): string {
  return createHmac('sha256', SECRET).update(body).digest('hex');
}
