import type { Health, KubeObject } from '../../core/types.ts';
import { boolField, intField, stringField } from '../fields.ts';
import { current, failed, inProgress } from '../result.ts';
import type { RuleContext } from './rule.ts';

/** Job: Current once started, complete or deliberately suspended; Failed when its Failed condition is set. */
export function jobHealth(obj: KubeObject, { conditions }: RuleContext): Health {
  const parallelism = intField(obj, 'spec.parallelism', 1);
  const completions = intField(obj, 'spec.completions', parallelism);
  const succeeded = intField(obj, 'status.succeeded', 0);
  const active = intField(obj, 'status.active', 0);
  const failedPods = intField(obj, 'status.failed', 0);
  const suspend = boolField(obj, 'spec.suspend', false);

  for (const c of conditions) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
    if (c.type === 'Failed') return failed('JobFailed', `Job Failed. failed: ${failedPods}/${completions}`);
    // A Suspended condition left over from before spec.suspend flipped is a transition, not a state.
    if (c.type === 'Suspended' && suspend) return current('Job is suspended');
  }
  if (stringField(obj, 'status.startTime', '') === '') return inProgress('JobNotStarted', 'Job not started');
  return current(`Job in progress. success:${succeeded}, active: ${active}, failed: ${failedPods}`);
}
