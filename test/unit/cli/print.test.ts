import { describe, expect, it } from 'vitest';
import { formatResult } from '../../../src/cli/print.ts';
import type { SyncResult } from '../../../src/core/types.ts';

const base: SyncResult = {
  target: 't',
  url: 'https://h/r.git',
  ref: 'main',
  outcome: 'failed',
  changes: [],
  health: [],
  timings: {},
  requests: {},
};

describe('formatResult of a failed sync', () => {
  it('says nothing was applied instead of "no objects" when a stage failed before apply', () => {
    const text = formatResult(
      {
        ...base,
        timings: { source: 40, render: 10, inventory: 5, plan: 120 },
        error: { stage: 'plan', message: 'x', retryable: false },
      },
      { diffs: false, showUnchanged: false },
    );
    expect(text).not.toContain('no objects');
    expect(text).toContain('  nothing applied');
  });

  it('prints no empty timing list', () => {
    const text = formatResult(
      { ...base, error: { stage: 'source', message: 'x', retryable: true } },
      { diffs: false, showUnchanged: false },
    );
    expect(text).not.toContain('()');
    expect(text).toMatch(/^Result: failed\n?$/m);
  });
});
