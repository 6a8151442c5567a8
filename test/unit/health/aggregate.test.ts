// The set-level status of kstatus's aggregator.
import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../../src/core/types.ts';
import { aggregateHealth } from '../../../src/health/aggregate.ts';

const cases: [statuses: HealthStatus[], desired: HealthStatus | undefined, expected: HealthStatus][] = [
  [[], undefined, 'Current'],
  [[], 'NotFound', 'NotFound'],
  [['Current', 'Current'], undefined, 'Current'],
  [['Current', 'InProgress'], undefined, 'InProgress'],
  [['Current', 'Terminating'], undefined, 'InProgress'],
  [['Unknown', 'InProgress', 'Current'], undefined, 'Unknown'],
  [['Unknown', 'Failed'], undefined, 'Failed'],
  [['NotFound', 'NotFound'], 'NotFound', 'NotFound'],
  [['NotFound', 'Terminating'], 'NotFound', 'InProgress'],
  [['NotFound', 'Failed'], 'NotFound', 'Failed'],
];

describe('aggregateHealth', () => {
  it.each(cases)('%j with desired %s is %s', (statuses, desired, expected) => {
    expect(aggregateHealth(statuses, desired)).toBe(expected);
  });
});
