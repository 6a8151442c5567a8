// Per Git host, over real HTTP: a signed push to a followed branch triggers exactly the targets that follow
// it; forged, missing, tampered and replayed deliveries trigger nothing; a body over the limit is refused
// with 413 without being read in full.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_PROVIDERS } from '../../../../src/agent/config-webhooks.ts';
import { push, SHA, useReceiver } from './harness.ts';
import { forged, unsigned } from './signed.ts';

const h = useReceiver();

describe.each(WEBHOOK_PROVIDERS)('the %s receiver', (provider) => {
  const path = `/hooks/${provider}`;

  it('triggers every target that follows the pushed branch of that repository, and no other', async () => {
    const res = await h.post(path, push(provider, 'refs/heads/main', `${provider}-1`));
    expect(res).toEqual({ status: 202, json: { result: 'triggered', targets: ['web', 'api'] } });
    expect(h.triggered).toEqual([
      ['web', 'webhook'],
      ['api', 'webhook'],
    ]);
    expect((await h.deliveries())[`${provider}/triggered`]).toBe(1);
  });

  it('answers 202 and triggers nothing for a branch or repository no target follows', async () => {
    expect((await h.post(path, push(provider, 'refs/heads/feature', 'f-1'))).json).toEqual({
      result: 'ignored',
      targets: [],
    });
    const elsewhere = push(provider, 'refs/heads/main', 'f-2', 'https://git.example.com/acme/unrelated.git');
    expect(await h.post(path, elsewhere)).toEqual({ status: 202, json: { result: 'ignored', targets: [] } });
    expect(h.triggered).toEqual([]);
  });

  it('refuses a forged or a missing signature with 401 and triggers nothing', async () => {
    const good = push(provider, 'refs/heads/main', `${provider}-forged`);
    expect((await h.post(path, forged(provider, good, 'not the secret'))).status).toBe(401);
    expect((await h.post(path, unsigned(good))).status).toBe(401);
    // A body changed after signing no longer matches; the GitLab token and Azure basic auth sign no body.
    const tampered = { ...good, body: good.body.replaceAll(SHA, 'b'.repeat(40)) };
    const bodyUnsigned = provider === 'gitlab' || provider === 'azure-devops';
    expect((await h.post(path, tampered)).status).toBe(bodyUnsigned ? 202 : 401);
    expect(h.triggered.map(([t]) => t)).toEqual(bodyUnsigned ? ['web', 'api'] : []);
    expect((await h.deliveries())[`${provider}/unauthorized`]).toBe(bodyUnsigned ? 2 : 3);
  });

  it('ignores a delivery id it has seen before', async () => {
    const d = push(provider, 'refs/heads/main', `${provider}-replayed`);
    expect((await h.post(path, d)).status).toBe(202);
    expect(await h.post(path, d)).toEqual({ status: 200, json: { result: 'duplicate' } });
    expect(h.triggered.map(([t]) => t)).toEqual(['web', 'api']);
    expect((await h.deliveries())[`${provider}/duplicate`]).toBe(1);
  });

  it('answers 413 to a body over the limit, before reading it all, and triggers nothing', async () => {
    const d = push(provider, 'refs/heads/main', 'big');
    const declared = await h.post(path, { ...d, body: d.body + ' '.repeat(70 * 1024) });
    expect(declared.status).toBe(413);
    // Chunked, so no Content-Length tells the size in advance: the server counts and stops.
    const streamed = await postStream(path, d.headers, 64 * 1024 * 1024);
    expect(streamed.status).toBe(413);
    expect(streamed.bytesWritten).toBeLessThan(64 * 1024 * 1024);
    expect(h.triggered).toEqual([]);
    expect((await h.deliveries())[`${provider}/too-large`]).toBe(2);
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
    const req = request({ host: '127.0.0.1', port: h.port, path, method: 'POST', headers }, (res) => {
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
