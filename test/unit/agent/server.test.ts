import { afterEach, describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/agent/readiness.ts';
import { startServer, type AgentServer } from '../../../src/agent/server.ts';
import { createMetrics } from '../../../src/agent/metrics.ts';
import { parsePromText } from '../../support/prom-text.ts';

let server: AgentServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the agent HTTP server', () => {
  it('answers /healthz always, /readyz once every condition is met, /metrics in the text format', async () => {
    const readiness = new Readiness();
    const syncs = readiness.condition('initial-syncs', 'first syncs not done');
    const watches = readiness.condition('watches');
    const metrics = createMetrics({ cluster: 'c' });
    server = await startServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, readiness });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${server!.port}${path}`);
      return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
    };
    expect((await get('/healthz')).status).toBe(200);
    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: 'initial-syncs: first syncs not done\nwatches: starting\n',
    });
    syncs.set(true);
    watches.set(false, 'kinds not listed yet');
    expect((await get('/readyz')).body).toBe('watches: kinds not listed yet\n');
    watches.set(true);
    expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ok\n' });
    // A condition registered late holds readiness back again until it is met.
    readiness.condition('leases');
    expect((await get('/readyz')).status).toBe(503);
    metrics.syncs.inc({ target: 't', outcome: 'synced' });
    const m = await get('/metrics');
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePromText(m.body).get('gitops_syncs_total')?.samples[0]?.value).toBe(1);
    expect((await get('/nothing')).status).toBe(404);
  });
});
