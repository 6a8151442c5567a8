// Bodies being read share one byte budget (503 beyond it), and a sender that stalls mid-body is cut off.
import { request, type ClientRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { push, useReceiver } from './harness.ts';

const h = useReceiver();

/** Starts a POST that declares `length` bytes and sends only the first ten; resolves once they are written. */
function stalled(length: number): Promise<{ req: ClientRequest; closed: Promise<number> }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port: h.port,
      path: '/hooks/github',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(length) },
    });
    const closed = new Promise<number>((done) => {
      req.on('error', () => done(Date.now() - started));
      req.on('close', () => done(Date.now() - started));
    });
    req.write('{"ref":"re', () => resolve({ req, closed }));
  });
}

describe('the webhook receiver under many bodies at once', () => {
  it('answers 503 while the in-flight budget is taken, and takes deliveries again once it is free', async () => {
    await h.restart({ maxBodyBytes: 4096 }, { maxInFlightBytes: 4100 });
    const first = await stalled(4000);
    await new Promise((r) => setTimeout(r, 50));
    const d = push('github', 'refs/heads/main', 'budget-2');
    expect(await h.post('/hooks/github', d)).toEqual({ status: 503, json: { result: 'busy' } });
    expect(h.triggered).toEqual([]);
    first.req.destroy();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.post('/hooks/github', d)).status).toBe(202);
  });

  it('closes a connection whose body does not arrive within readTimeoutMs', async () => {
    await h.restart({}, { readTimeoutMs: 300 });
    const { closed } = await stalled(1000);
    const ms = await closed;
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(5000);
  });
});
