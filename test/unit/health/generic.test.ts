// The generic rules that run before any kind rule, and the Ready fallback for kinds without one.
import { describe, expect, it } from 'vitest';
import { computeHealth } from '../../../src/health/compute.ts';
import { yamlObject, type HealthCase } from './fixtures.ts';

const cases: HealthCase[] = [
  [
    'Namespace without status',
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: apps }',
    'Current',
    undefined,
    'Resource is current',
  ],
  [
    'Namespace being deleted',
    `apiVersion: v1
kind: Namespace
metadata: { name: apps, deletionTimestamp: '2024-05-01T12:00:00Z' }
status: { phase: Terminating }`,
    'Terminating',
    undefined,
    'Resource scheduled for deletion',
  ],
  [
    'empty deletionTimestamp',
    "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, deletionTimestamp: '' }",
    'Current',
    undefined,
    'Resource is always ready',
  ],
  [
    'deletion wins over a generation mismatch',
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: d, generation: 3, deletionTimestamp: '2024-05-01T12:00:00Z' }
status: { observedGeneration: 2 }`,
    'Terminating',
    undefined,
    'Resource scheduled for deletion',
  ],
  [
    'generation not observed',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w, generation: 3 }\nstatus: { observedGeneration: 2 }',
    'InProgress',
    'LatestGenerationNotObserved',
    'Widget generation is 3, but latest observed generation is 2',
  ],
  [
    'custom resource with Ready=False',
    `apiVersion: example.com/v1
kind: Widget
metadata: { name: w, generation: 1 }
status:
  conditions:
    - { type: Ready, status: 'False', reason: DependencyMissing, message: waiting for the database }`,
    'InProgress',
    'DependencyMissing',
    'waiting for the database',
  ],
  [
    'custom resource with Ready=Unknown and no message',
    `apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
status:
  conditions:
    - { type: Ready, status: Unknown, reason: Probing }`,
    'InProgress',
    'Probing',
    'Ready is Unknown: Probing',
  ],
  [
    'a Ready condition with another status is skipped',
    `apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
status:
  conditions:
    - { type: Ready, status: Maybe }
    - { type: Ready, status: 'True' }`,
    'Current',
    undefined,
    'Resource is Ready',
  ],
  [
    'Stalled=True',
    `apiVersion: example.com/v1
kind: Widget
metadata: { name: w, generation: 1 }
status:
  observedGeneration: 1
  conditions:
    - { type: Ready, status: 'True' }
    - { type: Stalled, status: 'True', reason: InvalidSpec, message: spec.size must be positive }`,
    'Failed',
    'InvalidSpec',
    'spec.size must be positive',
  ],
  [
    'Reconciling=True before Stalled=True',
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
status:
  conditions:
    - { type: Reconciling, status: 'True', reason: Scaling, message: scaling up }
    - { type: Stalled, status: 'True', reason: Stuck }`,
    'InProgress',
    'Scaling',
    'scaling up',
  ],
  [
    'Stalled=False is ignored',
    `apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
status:
  conditions:
    - { type: Stalled, status: 'False', reason: Fine }`,
    'Current',
    undefined,
    'Resource is current',
  ],
  [
    'a kind rule is final, so Ready is not read',
    `apiVersion: v1
kind: Service
metadata: { name: s }
status:
  conditions:
    - { type: Ready, status: 'False', reason: Ignored }`,
    'Current',
    undefined,
    'Service is ready',
  ],
];

describe('computeHealth generic rules', () => {
  it.each(cases)('%s', (_name, yaml, status, reason, message) => {
    expect(computeHealth(yamlObject(yaml))).toEqual({ status, message, ...(reason ? { reason } : {}) });
  });
});

const malformed: [name: string, status: string, problem: string][] = [
  ['status is a string', 'status: broken', 'status is not an object'],
  ['conditions is a map', 'status: { conditions: { type: Ready } }', 'status.conditions is not a list'],
  ['a condition is a string', 'status: { conditions: [Ready] }', 'status.conditions[0] is not an object'],
  [
    'a condition status is a boolean',
    'status: { conditions: [{ type: Ready, status: true }] }',
    'status.conditions[0].status is not a string',
  ],
  [
    'a condition type is a number',
    "status: { conditions: [{ type: Ready, status: 'True' }, { type: 7 }] }",
    'status.conditions[1].type is not a string',
  ],
  [
    'observedGeneration is a string',
    "status: { observedGeneration: '1' }",
    'status.observedGeneration is not an integer',
  ],
];

describe('computeHealth on malformed objects', () => {
  it.each(malformed)('%s is Unknown', (_name, status, problem) => {
    const obj = yamlObject(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d, generation: 1 }\n${status}`,
    );
    expect(computeHealth(obj)).toEqual({ status: 'Unknown', message: `Cannot compute status: ${problem}` });
  });

  it('reports a mistyped deletionTimestamp as Unknown', () => {
    const obj = yamlObject('apiVersion: v1\nkind: Namespace\nmetadata: { name: n, deletionTimestamp: 5 }');
    expect(computeHealth(obj).status).toBe('Unknown');
  });

  it('reads a null condition as an empty one, as Go does', () => {
    const obj = yamlObject(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nstatus: { conditions: [null] }',
    );
    expect(computeHealth(obj)).toEqual({ status: 'Current', message: 'Resource is current' });
  });
});
