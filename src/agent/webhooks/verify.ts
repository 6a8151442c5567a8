import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two secrets of any length: both are hashed first, so neither length nor content leaks. */
export function secretsEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * Whether `signature` (`<prefix><hex>`, e.g. `sha256=ab12…`, or bare hex when `prefix` is empty) is the
 * HMAC-SHA256 of the raw `body` under `key`; compared in constant time after a length check.
 */
export function hmacMatches(
  body: Buffer,
  key: Buffer,
  signature: string | undefined,
  prefix: string,
): boolean {
  if (signature === undefined || !signature.startsWith(prefix)) return false;
  const hex = signature.slice(prefix.length).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const want = createHmac('sha256', key).update(body).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), want);
}

/** Whether an `Authorization: Basic …` header carries exactly `username` and `password` (constant-time). */
export function basicAuthMatches(
  authorization: string | undefined,
  username: string,
  password: Buffer,
): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64') : Buffer.alloc(0);
  const expected = Buffer.concat([Buffer.from(`${username}:`), password]);
  // Always compare, even without a header, so a missing one takes as long as a wrong one.
  return secretsEqual(decoded, expected) && m !== null;
}

/** Seconds a Standard Webhooks timestamp may differ from the receiver's clock, as the specification advises. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;

/**
 * Whether a delivery signed the Standard Webhooks way (https://www.standardwebhooks.com; GitLab's webhook
 * signing token) is valid for `secret` (`whsec_<base64 key>`): one of the space-separated `v1,<base64>`
 * entries of `webhook-signature` is the HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, and the
 * timestamp is within the tolerance of `nowMs`, so a captured delivery cannot be replayed later.
 */
export function standardWebhookMatches(
  headers: { id?: string; timestamp?: string; signature?: string },
  body: Buffer,
  secret: Buffer,
  nowMs: number,
): boolean {
  const text = secret.toString('utf8').trim();
  if (!text.startsWith('whsec_') || !headers.id || !headers.timestamp || !headers.signature) return false;
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  const skew = Math.abs(nowMs / 1000 - Number(headers.timestamp));
  if (skew > STANDARD_WEBHOOKS_TOLERANCE_SECONDS) return false;
  const key = signingKey(text);
  if (!key) return false;
  const want = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.`).update(body).digest();
  let matched = false;
  // Every entry is compared (no early exit), each in constant time; other versions are skipped.
  for (const entry of headers.signature.split(' ')) {
    const [version, b64] = entry.split(',', 2);
    if (version !== 'v1' || !b64) continue;
    const got = Buffer.from(b64, 'base64');
    if (got.length === want.length && timingSafeEqual(got, want)) matched = true;
  }
  return matched;
}

// The key of a `whsec_` secret, or undefined when it is no strict base64 of at least 24 bytes: Node decodes any
// garbage leniently, and `whsec_` alone (or a masked `whsec_***`) would give an empty key anyone can sign with.
function signingKey(secret: string): Buffer | undefined {
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 && key.toString('base64').replace(/=+$/, '') === b64.replace(/=+$/, '')
    ? key
    : undefined;
}
