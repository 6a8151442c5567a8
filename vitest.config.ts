// Two test tiers: pure unit tests (no cluster, fast) and integration tests against a real control plane
// and Git server that globalSetup starts once per run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One control plane on 2 cores: files run one at a time so timings and health waits stay honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
