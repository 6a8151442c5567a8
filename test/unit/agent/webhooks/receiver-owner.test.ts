// With replicas.mode leader or shards, a push reaching a replica that does not own a target asks the owner.
import { describe, expect, it } from 'vitest';
import { push, useReceiver } from './harness.ts';

const h = useReceiver();

describe('the webhook receiver on a replica that owns only some targets', () => {
  it('triggers the targets it owns and requests a sync of the others from their owner', async () => {
    h.notOwned = new Set(['web']);
    const res = await h.post('/hooks/github', push('github', 'refs/heads/main', 'own-1'));
    expect(res).toEqual({ status: 202, json: { result: 'triggered', targets: ['api'], requested: ['web'] } });
    expect(h.triggered).toEqual([['api', 'webhook']]);
    expect(h.requested).toEqual(['web']);
  });

  it('requests every matching target on a follower that owns none', async () => {
    h.notOwned = new Set(['web', 'api', 'staging', 'other']);
    const res = await h.post('/hooks/gitea', push('gitea', 'refs/heads/main', 'own-2'));
    expect(res).toEqual({
      status: 202,
      json: { result: 'triggered', targets: [], requested: ['web', 'api'] },
    });
    expect(h.triggered).toEqual([]);
    expect((await h.deliveries())['gitea/triggered']).toBe(1);
  });
});
