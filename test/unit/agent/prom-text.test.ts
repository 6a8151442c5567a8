import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePromText } from '../../support/prom-text.ts';
import { createMetrics } from '../../../src/agent/metrics.ts';

describe('parsePromText', () => {
  it('reads what prom-client writes, labels escaped', async () => {
    const registry = new Registry();
    const c = new Counter({
      name: 'x_total',
      help: 'a "quoted" help\\',
      labelNames: ['a'],
      registers: [registry],
    });
    c.inc({ a: 'line\nbreak "q" \\' }, 2);
    const h = new Histogram({ name: 'd_seconds', help: 'h', buckets: [1, 2], registers: [registry] });
    h.observe(1.5);
    const families = parsePromText(await registry.metrics());
    expect(families.get('x_total')?.samples).toEqual([
      { name: 'x_total', labels: { a: 'line\nbreak "q" \\' }, value: 2 },
    ]);
    expect(families.get('d_seconds')?.type).toBe('histogram');
    expect(families.get('d_seconds')?.samples.find((s) => s.labels.le === '+Inf')?.value).toBe(1);
  });

  it('reads the agent metrics registry', async () => {
    const m = createMetrics({ cluster: 'c' });
    m.syncDuration.observe({ target: 't', outcome: 'synced' }, 0.3);
    m.syncs.inc({ target: 't', outcome: 'synced' });
    m.driftCorrections.inc({ target: 't' });
    m.targetInfo.set({ target: 't', repo: 'https://h/r.git', ref: 'main', revision: 'abc' }, 1);
    m.apiRequests.inc({ verb: 'LIST', code: '200' });
    const families = parsePromText(await m.registry.metrics());
    expect(families.get('gitops_drift_corrections_total')?.samples[0]).toEqual({
      name: 'gitops_drift_corrections_total',
      labels: { target: 't', cluster: 'c' },
      value: 1,
    });
    expect([...families.keys()].filter((k) => k.startsWith('gitops_')).sort()).toEqual([
      'gitops_api_requests_total',
      'gitops_drift_corrections_total',
      'gitops_drift_fights_total',
      'gitops_git_fetch_duration_seconds',
      'gitops_last_successful_sync_timestamp_seconds',
      'gitops_managed_objects',
      'gitops_sync_duration_seconds',
      'gitops_syncs_total',
      'gitops_target_info',
      'gitops_target_suspended',
    ]);
  });

  const ok = '# HELP a_total help\n# TYPE a_total counter\na_total{x="1"} 3\n';
  const bad: [string, string][] = [
    ['no final newline', ok.trimEnd()],
    ['a bad metric name', '1a 3\n'],
    ['an unquoted label value', 'a{x=1} 3\n'],
    ['an unterminated label value', 'a{x="1} 3\n'],
    ['a bad escape', 'a{x="\\t"} 3\n'],
    ['a bad value', 'a 3x\n'],
    ['a duplicate series', 'a{x="1"} 3\na{x="1"} 4\n'],
    ['a duplicate label', 'a{x="1",x="2"} 3\n'],
    ['an unknown type', '# TYPE a countr\na 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a counter\n'],
    ['two TYPE lines', '# TYPE a counter\n# TYPE a counter\na 1\n'],
    ['a family split in two', 'a 1\nb 1\na{x="2"} 1\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a foreign sample in a histogram', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\nh 3\n'],
    [
      'falling buckets',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n',
    ],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\nh_sum 1\n'],
    ['a +Inf bucket unlike _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\nh_sum 1\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n'],
  ];
  it('accepts well-formed text', () => expect(parsePromText(ok).get('a_total')?.samples[0]?.value).toBe(3));
  it.each(bad)('rejects %s', (_what, text) => expect(() => parsePromText(text)).toThrow());
});
