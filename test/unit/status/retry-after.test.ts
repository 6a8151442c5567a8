// How long a host's answer asks to wait.
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/status/http.ts';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
  });
  it('reads a rate-limit reset only when nothing remains', () => {
    const reset = String(now / 1000 + 30);
    expect(retryAfterMs(new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': reset }), now)).toBe(
      30_000,
    );
    expect(retryAfterMs(new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), now)).toBe(
      30_000,
    );
    expect(
      retryAfterMs(new Headers({ 'ratelimit-remaining': '5', 'ratelimit-reset': reset }), now),
    ).toBeUndefined();
  });
});
