// The receiver's other answers: pings, pull requests handed on, a rotated secret, the bounded replay memory,
// wrong methods and bodies, a sender that hangs up, a secret file that cannot be read.
import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pushDelivery } from './signed.ts';
import { push, REPO, SECRET, SHA, signed, useReceiver } from './harness.ts';

const h = useReceiver();

describe('the webhook receiver', () => {
  it('answers GitHub and Bitbucket Data Center pings with 200 and triggers nothing', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const gh = await h.post('/hooks/github', {
      body: ping,
      headers: {
        'x-github-event': 'ping',
        'x-github-delivery': 'p1',
        'x-hub-signature-256': `sha256=${signed(ping)}`,
      },
    });
    expect(gh).toEqual({ status: 200, json: { result: 'pong' } });
    const bb = await h.post('/hooks/bitbucket-server', {
      body: '{"test":true}',
      headers: { 'x-event-key': 'diagnostics:ping', 'x-hub-signature': `sha256=${signed('{"test":true}')}` },
    });
    expect(bb.status).toBe(200);
    expect(h.triggered).toEqual([]);
  });

  it('hands a pull request into a followed branch to onPullRequest, with the targets, and syncs nothing', async () => {
    const body = JSON.stringify({
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, head: { sha: SHA, ref: 'feature/x' }, base: { ref: 'main' }, merged: false },
      repository: { clone_url: REPO },
    });
    const res = await h.post('/hooks/github', {
      body,
      headers: {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'pr-1',
        'x-hub-signature-256': `sha256=${signed(body)}`,
      },
    });
    expect(res).toEqual({ status: 202, json: { result: 'pull-request', targets: ['web', 'api'] } });
    expect(h.pulls).toEqual([
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
    expect(h.triggered).toEqual([]);
  });

  it('reads the secret file again when it changes: the new secret is accepted, the old one refused', async () => {
    expect((await h.post('/hooks/github', push('github', 'refs/heads/main', 'r1'))).status).toBe(202);
    writeFileSync(join(h.dir, 'secret'), 'rotated-secret-value');
    expect((await h.post('/hooks/github', push('github', 'refs/heads/main', 'r2'))).status).toBe(401);
    const rotated = pushDelivery('github', {
      secret: 'rotated-secret-value',
      repoUrl: REPO,
      ref: 'refs/heads/main',
      // Another push: the same body again would be a replay.
      sha: 'b'.repeat(40),
      id: 'r3',
    });
    expect((await h.post('/hooks/github', rotated)).status).toBe(202);
  });

  it('forgets the oldest delivery ids beyond rememberDeliveries', async () => {
    await h.restart({ rememberDeliveries: 2 });
    // Three pushes of three commits: the same body again would be a replay whatever its id.
    const d = (id: string, sha: string) =>
      pushDelivery('github', {
        secret: SECRET,
        repoUrl: REPO,
        ref: 'refs/heads/main',
        sha: sha.repeat(40),
        id,
      });
    for (const [id, sha] of [
      ['d1', '1'],
      ['d2', '2'],
      ['d3', '3'],
    ] as const)
      await h.post('/hooks/github', d(id, sha));
    expect((await h.post('/hooks/github', d('d3', '3'))).status).toBe(200);
    expect((await h.post('/hooks/github', d('d1', '1'))).status).toBe(202);
  });

  it('answers 405 to a GET and 400 to a signed body that is not JSON, and leaves other paths to the server', async () => {
    expect((await fetch(`http://127.0.0.1:${h.port}/hooks/github`)).status).toBe(405);
    const res = await h.post('/hooks/github', {
      body: 'not json',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signed('not json')}` },
    });
    expect(res.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
    expect(h.triggered).toEqual([]);
  });

  it('survives a sender hanging up mid-body: nothing triggered, the next delivery handled', async () => {
    const d = push('github', 'refs/heads/main', 'hangup');
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: h.port,
        path: '/hooks/github',
        method: 'POST',
        headers: { ...d.headers, 'content-length': String(d.body.length) },
      });
      req.on('error', () => resolve());
      req.write(d.body.slice(0, 10), () => setTimeout(() => (req.destroy(), resolve()), 50));
    });
    expect(h.triggered).toEqual([]);
    expect((await h.post('/hooks/github', push('github', 'refs/heads/main', 'after-hangup'))).status).toBe(
      202,
    );
  });

  it('follows a reloaded config: a removed endpoint is no longer served, an added one verifies with its own secret', async () => {
    writeFileSync(join(h.dir, 'other'), 'other-secret');
    h.reload({ receivers: [{ provider: 'generic', path: '/in', secretFile: join(h.dir, 'other') }] });
    const gone = push('github', 'refs/heads/main', 'gone');
    const res = await fetch(`http://127.0.0.1:${h.port}/hooks/github`, {
      method: 'POST',
      headers: gone.headers,
      body: gone.body,
    });
    // The server's own answer to a POST on a path it does not serve.
    expect(res.status).toBe(405);
    expect(h.triggered).toEqual([]);
    const d = pushDelivery('generic', {
      secret: 'other-secret',
      repoUrl: REPO,
      ref: 'main',
      sha: SHA,
      id: 'g1',
    });
    expect(await h.post('/in', d)).toEqual({
      status: 202,
      json: { result: 'triggered', targets: ['web', 'api'] },
    });
  });

  it("reads GitHub's form-encoded deliveries, the signature covering the encoded body", async () => {
    const json = push('github', 'refs/heads/main', 'form').body;
    const body = new URLSearchParams({ payload: json }).toString();
    const headers = {
      'x-github-event': 'push',
      'x-github-delivery': 'form',
      'x-hub-signature-256': `sha256=${signed(body)}`,
    };
    const res = await fetch(`http://127.0.0.1:${h.port}/hooks/github`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(202);
    expect(h.triggered.map(([t]) => t)).toEqual(['web', 'api']);
  });

  it('answers 503 while the secret file cannot be read, and triggers nothing', async () => {
    rmSync(join(h.dir, 'secret'));
    expect((await h.post('/hooks/github', push('github', 'refs/heads/main', 'n1'))).status).toBe(503);
    expect(h.triggered).toEqual([]);
  });
});
