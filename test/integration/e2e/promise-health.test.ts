// Promise (src/health/wait.ts, docs/cli.md): the health wait stops as soon as every object that is not Current
// has Failed, instead of waiting out the timeout.
import { describe, expect, it } from 'vitest';
import { useSyncFixtures } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const TIMEOUT_S = 90;

describe('the health wait', () => {
  it(
    'returns early when every pending object has Failed',
    async () => {
      const fx = await suite.fixture('failfast');
      await fx.repo.commit(
        {
          'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  progressDeadlineSeconds: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { nodeSelector: { disk: none-such }, containers: [{ name: web, image: nginx:1.27 }] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { a: b }
`,
        },
        'a Deployment that can never progress',
      );

      const r = await fx.sync({}, { healthTimeoutSeconds: TIMEOUT_S });

      expect(r.outcome).toBe('unhealthy');
      expect(r.health.map((h) => [h.ref.kind, h.status, h.message])).toEqual([
        // The deadline, and the cause found from the pods: the scheduler's message.
        [
          'Deployment',
          'Failed',
          expect.stringMatching(/^Progress deadline exceeded: pod \S+ cannot be scheduled \(Unschedulable\)/),
        ],
        ['ConfigMap', 'Current', expect.any(String)],
      ]);
      // Well before the timeout (the controller marks the deadline about a second after the rollout starts).
      expect(r.timings.health).toBeLessThan((TIMEOUT_S - 30) * 1000);
    },
    (TIMEOUT_S + 60) * 1000,
  );
});
