// GitLab's webhook signing token signs the Standard Webhooks way; the vector is the specification's own
// (https://github.com/standard-webhooks/standard-webhooks, its libraries' tests), so the HMAC is pinned to
// something not computed here.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standardWebhookMatches } from '../../../../src/agent/webhooks/verify.ts';
import { push, useReceiver } from './harness.ts';

const SECRET = Buffer.from('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = '1614265330';
const BODY = Buffer.from('{"test": 2432232314}');
const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = Number(TS) * 1000;
// Secrets a broken or copied-masked file holds: Node's lenient base64 makes each an empty key.
const emptyKeys = ['whsec_', 'whsec_***', 'whsec_ ', 'whsec_$'];

describe('standardWebhookMatches', () => {
  const h = { id: ID, timestamp: TS, signature: SIG };
  it.each<[string, Partial<typeof h>, Buffer, Buffer, number, boolean]>([
    ['the specification’s vector', {}, BODY, SECRET, AT, true],
    ['the vector 299 s later', {}, BODY, SECRET, AT + 299_000, true],
    ['the vector 301 s later (a replay)', {}, BODY, SECRET, AT + 301_000, false],
    ['the vector 301 s early', {}, BODY, SECRET, AT - 301_000, false],
    ['a tampered body', {}, Buffer.from('{"test": 2432232315}'), SECRET, AT, false],
    ['another id', { id: 'msg_other' }, BODY, SECRET, AT, false],
    ['another timestamp within tolerance', { timestamp: String(Number(TS) + 1) }, BODY, SECRET, AT, false],
    ['another key', {}, BODY, Buffer.from('whsec_' + Buffer.alloc(32, 1).toString('base64')), AT, false],
    [
      'the key without its whsec_ prefix',
      {},
      BODY,
      Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
      AT,
      false,
    ],
    [
      'a rotated key listing an old and the good signature',
      { signature: `v1,AAAA ${SIG}` },
      BODY,
      SECRET,
      AT,
      true,
    ],
    ['a v2 entry with the v1 value', { signature: SIG.replace('v1,', 'v2,') }, BODY, SECRET, AT, false],
    ['no signature', { signature: undefined }, BODY, SECRET, AT, false],
    ['no id', { id: undefined }, BODY, SECRET, AT, false],
    ['a timestamp that is no number', { timestamp: '16142653e3' }, BODY, SECRET, AT, false],
    ...emptyKeys.map((k): [string, Partial<typeof h>, Buffer, Buffer, number, boolean] => [
      `the secret ${JSON.stringify(k)}, signed with an empty key`,
      { signature: `v1,${createHmac('sha256', '').update(`${ID}.${TS}.`).update(BODY).digest('base64')}` },
      BODY,
      Buffer.from(k),
      AT,
      false,
    ]),
    [
      'a key of 16 bytes',
      {
        signature: `v1,${createHmac('sha256', Buffer.alloc(16, 3)).update(`${ID}.${TS}.`).update(BODY).digest('base64')}`,
      },
      BODY,
      Buffer.from(`whsec_${Buffer.alloc(16, 3).toString('base64')}`),
      AT,
      false,
    ],
  ])('%s → %s', (_name, over, body, secret, now, valid) => {
    expect(standardWebhookMatches({ ...h, ...over }, body, secret, now)).toBe(valid);
  });
});

describe('the GitLab receiver with a signing token', () => {
  const r = useReceiver();
  const key = Buffer.alloc(32, 7);
  const token = `whsec_${key.toString('base64')}`;
  const sign = (id: string, ts: string, body: string): string =>
    'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');

  it('accepts a delivery signed now, and refuses the plain token, a stale signature and a replay', async () => {
    writeFileSync(join(r.dir, 'secret'), `${token}\n`);
    const d = push('gitlab', 'refs/heads/main', 'gl-signed');
    const now = String(Math.floor(Date.now() / 1000));
    const signed = {
      body: d.body,
      headers: {
        'x-gitlab-event': 'Push Hook',
        'idempotency-key': 'gl-signed',
        'webhook-id': 'gl-signed',
        'webhook-timestamp': now,
        'webhook-signature': sign('gl-signed', now, d.body),
      },
    };
    expect((await r.post('/hooks/gitlab', signed)).status).toBe(202);
    expect(r.triggered.map(([t]) => t)).toEqual(['web', 'api']);
    // The signing token sent as a plain X-Gitlab-Token is no downgrade path.
    const plain = { ...d, headers: { ...d.headers, 'x-gitlab-token': token, 'idempotency-key': 'gl-plain' } };
    expect((await r.post('/hooks/gitlab', plain)).status).toBe(401);
    const old = String(Number(now) - 600);
    const stale = {
      body: d.body,
      headers: {
        ...signed.headers,
        'idempotency-key': 'gl-stale',
        'webhook-id': 'gl-stale',
        'webhook-timestamp': old,
        'webhook-signature': sign('gl-stale', old, d.body),
      },
    };
    expect((await r.post('/hooks/gitlab', stale)).status).toBe(401);
    expect(await r.post('/hooks/gitlab', signed)).toEqual({ status: 200, json: { result: 'duplicate' } });
    expect(r.triggered.map(([t]) => t)).toEqual(['web', 'api']);
    expect((await r.deliveries())['gitlab/unauthorized']).toBe(2);
  });
});
