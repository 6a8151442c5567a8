import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretFile, WebhookSecretError } from '../../../../src/agent/webhooks/secret-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'gitops-secret-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SecretFile', () => {
  it('drops one trailing newline, follows a change, and keeps refusing an emptied file', async () => {
    const f = new SecretFile(join(dir, 's'));
    writeFileSync(join(dir, 's'), 'first\n');
    expect((await f.read()).toString()).toBe('first');
    writeFileSync(join(dir, 's'), 'second-longer');
    expect((await f.read()).toString()).toBe('second-longer');
    writeFileSync(join(dir, 's'), '');
    await expect(f.read()).rejects.toThrow(/is empty/);
    // The old secret does not come back while the file stays empty.
    await expect(f.read()).rejects.toThrow(WebhookSecretError);
  });

  it('names the file and the reason when it is missing', async () => {
    const err = await new SecretFile(join(dir, 'missing')).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookSecretError);
    expect(err).toMatchObject({
      code: 'WEBHOOK_SECRET_UNREADABLE',
      retryable: true,
      file: join(dir, 'missing'),
    });
    expect((err as Error).message).toBe(`webhook secret file ${join(dir, 'missing')}: ENOENT`);
  });
});
