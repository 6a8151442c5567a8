import type { Health } from '../../core/types.ts';
import { current } from '../result.ts';

/** Secret, ConfigMap and CronJob have no rollout to wait for. */
export function alwaysReady(): Health {
  return current('Resource is always ready');
}
