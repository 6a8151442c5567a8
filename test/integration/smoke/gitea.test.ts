// The Gitea fixture proves itself real: a repository takes a push over HTTP with a token, a commit status
// written through the API reads back, and a push webhook arrives signed with the hook's secret.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitea, type Gitea } from '../../support/gitea.ts';

let gitea: Gitea;

beforeAll(async () => {
  gitea = await startGitea({ log: (l) => console.log(`[gitea] ${l}`) });
});

afterAll(async () => {
  await gitea?.stop();
});

describe('the Gitea fixture', () => {
  it('takes a push, stores a commit status and signs a push webhook', async () => {
    const deliveries: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const repo = await gitea.createRepo('smoke');
      await gitea.addWebhook(repo.fullName, { url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' });
      const sha = await repo.commit({ 'a.txt': 'one\n' }, 'first');

      await gitea.api('POST', `/repos/${repo.fullName}/statuses/${sha}`, {
        state: 'pending',
        context: 'smoke/test',
        description: 'checking',
      });
      const statuses = await gitea.statuses(repo.fullName, sha);
      expect(statuses.map((s) => [s.status, s.context, s.description])).toEqual([
        ['pending', 'smoke/test', 'checking'],
      ]);

      const deadline = Date.now() + 30_000;
      while (deliveries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(deliveries.length, gitea.logTail()).toBeGreaterThan(0);
      const [d] = deliveries;
      expect(d!.headers['x-gitea-event']).toBe('push');
      const hmac = createHmac('sha256', 's3cret').update(d!.body).digest('hex');
      expect(d!.headers['x-gitea-signature']).toBe(hmac);
      expect(d!.headers['x-hub-signature-256']).toBe(`sha256=${hmac}`);
      const payload = JSON.parse(d!.body.toString()) as { ref: string; after: string };
      expect(payload).toMatchObject({ ref: 'refs/heads/main', after: sha });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
