// A replayed delivery is ignored even when its delivery-id header, which no signature covers, is removed or
// changed: the receiver also remembers the body's hash.
import { describe, expect, it } from 'vitest';
import { WEBHOOK_PROVIDERS } from '../../../../src/agent/config-webhooks.ts';
import { push, useReceiver } from './harness.ts';

const h = useReceiver();

// Azure DevOps carries its id in the body (and has no body signature), so its replays are the id's case.
const withIdHeader = WEBHOOK_PROVIDERS.filter((p) => p !== 'azure-devops');

describe.each(withIdHeader)('the %s receiver', (provider) => {
  const path = `/hooks/${provider}`;
  const id = `${provider}-original`;
  const original = push(provider, 'refs/heads/main', id);
  const header = Object.keys(original.headers).find((k) => original.headers[k] === id)!;

  it('ignores a replay with the delivery-id header removed', async () => {
    expect(header).toBeDefined();
    expect((await h.post(path, original)).status).toBe(202);
    const { [header]: _removed, ...headers } = original.headers;
    expect(await h.post(path, { body: original.body, headers })).toEqual({
      status: 200,
      json: { result: 'duplicate' },
    });
    expect(h.triggered.map(([t]) => t)).toEqual(['web', 'api']);
  });

  it('ignores a replay with the delivery-id header changed', async () => {
    expect((await h.post(path, original)).status).toBe(202);
    const replay = { body: original.body, headers: { ...original.headers, [header]: `${id}-forged` } };
    expect(await h.post(path, replay)).toEqual({ status: 200, json: { result: 'duplicate' } });
    expect(h.triggered.map(([t]) => t)).toEqual(['web', 'api']);
    expect((await h.deliveries())[`${provider}/duplicate`]).toBe(1);
  });
});
