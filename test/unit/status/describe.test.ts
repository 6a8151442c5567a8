// A sync result as a commit status: state and the one-line description with counts or the first cause.
import { describe, expect, it } from 'vitest';
import type { ChangeSetEntry, ObjectHealth, SyncResult } from '../../../src/core/types.ts';
import { fitDescription, previewVerdictOf, verdictOf } from '../../../src/status/describe.ts';

const ref = (kind: string, name: string) => ({
  group: kind === 'Deployment' ? 'apps' : '',
  version: 'v1',
  kind,
  namespace: 'web',
  name,
});
const result = (over: Partial<SyncResult>): SyncResult => ({
  target: 't',
  url: 'u',
  ref: 'main',
  outcome: 'synced',
  changes: [],
  health: [],
  timings: {},
  requests: {},
  ...over,
});
const change = (action: ChangeSetEntry['action']): ChangeSetEntry => ({
  ref: ref('ConfigMap', action),
  action,
});
const healthy = (n: number): ObjectHealth[] =>
  Array.from({ length: n }, (_, i) => ({ ref: ref('ConfigMap', `c${i}`), status: 'Current', message: '' }));

describe('verdictOf', () => {
  it('counts what a successful sync changed and how much is healthy', () => {
    const r = result({
      changes: [...Array(3).fill(change('configured')), change('deleted'), change('unchanged')],
      health: healthy(12),
    });
    expect(verdictOf(r)).toEqual({ state: 'success', description: '3 configured, 1 pruned, 12/12 healthy' });
    expect(verdictOf(result({ health: healthy(2) })).description).toBe('unchanged, 2/2 healthy');
  });

  it('names the first unhealthy object with the kubelet reason and image', () => {
    const bad: ObjectHealth = {
      ref: ref('Deployment', 'web'),
      status: 'Failed',
      message: 'pods blocked',
      cause: {
        reason: 'ImagePullBackOff',
        message: 'Back-off',
        image: 'registry.example/web:1.0.1',
        blocked: 1,
        total: 1,
      },
    };
    expect(verdictOf(result({ outcome: 'unhealthy', health: [...healthy(1), bad] }))).toEqual({
      state: 'failure',
      description: 'Deployment/web: ImagePullBackOff registry.example/web:1.0.1',
    });
  });

  it('names an image pull failure the same whichever of its two reasons the kubelet shows', () => {
    const pulling = (reason: string): ObjectHealth => ({
      ref: ref('Deployment', 'web'),
      status: 'Failed',
      message: '',
      cause: { reason, message: '', image: 'r/web:1', blocked: 1, total: 1 },
    });
    const a = verdictOf(result({ outcome: 'unhealthy', health: [pulling('ErrImagePull')] }));
    const b = verdictOf(result({ outcome: 'unhealthy', health: [pulling('ImagePullBackOff')] }));
    expect(a).toEqual(b);
  });

  it('is a failure for a bad commit and an error for a failure outside it', () => {
    const render = result({
      outcome: 'failed',
      error: {
        stage: 'render',
        message: 'apps/web/deploy.yaml:12 (document 1): bad\nmore',
        retryable: false,
      },
    });
    expect(verdictOf(render)).toEqual({
      state: 'failure',
      description: 'apps/web/deploy.yaml:12 (document 1): bad',
    });
    const down = result({
      outcome: 'failed',
      error: { stage: 'plan', message: 'connect ECONNREFUSED', retryable: true },
    });
    expect(verdictOf(down)).toEqual({ state: 'error', description: 'plan: connect ECONNREFUSED' });
  });
});

describe('previewVerdictOf', () => {
  it('says what a merge would do', () => {
    const r = result({
      outcome: 'planned',
      changes: [
        change('created'),
        change('created'),
        change('configured'),
        change('deleted'),
        change('unchanged'),
      ],
    });
    expect(previewVerdictOf(r)).toEqual({
      state: 'success',
      description: 'would create 2, configure 1, prune 1',
    });
    expect(previewVerdictOf(result({ outcome: 'planned' })).description).toBe('no changes');
  });
});

describe('fitDescription', () => {
  it('cuts on a character boundary to exactly the limit, marking the cut', () => {
    const cut = fitDescription('ä'.repeat(200), 140);
    expect([...cut]).toHaveLength(140);
    expect(cut.endsWith('…')).toBe(true);
    expect(fitDescription('short\n  line', 140)).toBe('short line');
  });
});
