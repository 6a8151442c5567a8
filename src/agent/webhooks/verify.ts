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
