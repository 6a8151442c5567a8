import type { HealthStatus } from '../core/types.ts';

/** The status of a set, as kstatus's aggregator computes it: Failed, then Unknown, win; all at `desired` is `desired`; else InProgress. */
export function aggregateHealth(statuses: HealthStatus[], desired: HealthStatus = 'Current'): HealthStatus {
  if (statuses.length === 0) return desired;
  if (statuses.includes('Failed')) return 'Failed';
  if (statuses.includes('Unknown')) return 'Unknown';
  return statuses.every((s) => s === desired) ? desired : 'InProgress';
}
