// Branches of the Deployment, StatefulSet and DaemonSet rules that the upstream table does not reach.
import { describe, expect, it } from 'vitest';
import { computeHealth } from '../../../src/health/compute.ts';
import { yamlObject, type HealthCase } from './fixtures.ts';

const cases: HealthCase[] = [
  [
    'Deployment past its progress deadline',
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: d, generation: 1 }
spec: { replicas: 2, progressDeadlineSeconds: 600 }
status:
  observedGeneration: 1
  replicas: 2
  conditions:
    - { type: Available, status: 'True' }
    - { type: Progressing, status: 'False', reason: ProgressDeadlineExceeded }`,
    'Failed',
    'ProgressDeadlineExceeded',
    'Progress deadline exceeded',
  ],
  [
    'Deployment with replicas not yet updated',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { replicas: 3 }\nstatus: { replicas: 3, updatedReplicas: 1 }',
    'InProgress',
    'LessUpdated',
    'Updated: 1/3',
  ],
  [
    'Deployment with old pods terminating',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { replicas: 2 }\nstatus: { replicas: 3, updatedReplicas: 2 }',
    'InProgress',
    'ExtraPods',
    'Pending termination: 1',
  ],
  [
    'Deployment in the extensions group',
    'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: { name: d }\nspec: { replicas: 2 }\nstatus: { replicas: 1 }',
    'InProgress',
    'LessReplicas',
    'Replicas: 1/2',
  ],
  [
    'Deployment with a mistyped replica count takes the default',
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { replicas: '3' }\nstatus: { replicas: 0 }",
    'InProgress',
    'LessReplicas',
    'Replicas: 0/1',
  ],
  [
    'StatefulSet with the OnDelete strategy',
    'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: s }\nspec: { replicas: 3, updateStrategy: { type: OnDelete } }',
    'Current',
    undefined,
    'StatefulSet is using the ondelete update strategy',
  ],
  [
    'StatefulSet partition rollout in progress',
    `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: s }
spec: { replicas: 4, updateStrategy: { rollingUpdate: { partition: 2 } } }
status: { replicas: 4, readyReplicas: 4, updatedReplicas: 1 }`,
    'InProgress',
    'PartitionRollout',
    'updated: 1/2',
  ],
  [
    'StatefulSet partition rollout complete',
    `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: s }
spec: { replicas: 4, updateStrategy: { rollingUpdate: { partition: 2 } } }
status: { replicas: 4, readyReplicas: 4, updatedReplicas: 2 }`,
    'Current',
    undefined,
    'Partition rollout complete. updated: 2',
  ],
  [
    'StatefulSet waiting for its update revision',
    `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: s }
spec: { replicas: 1 }
status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: s-1, updateRevision: s-2 }`,
    'InProgress',
    'RevisionMismatch',
    'Waiting for updated revision to match current',
  ],
  [
    'DaemonSet without a generation',
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: ds }',
    'InProgress',
    'NoGeneration',
    'DaemonSet metadata.generation not found',
  ],
  [
    'DaemonSet with pods not yet updated',
    `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ds, generation: 1 }
status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1 }`,
    'InProgress',
    'LessUpdated',
    'Updated: 1/3',
  ],
];

describe('computeHealth workload rules', () => {
  it.each(cases)('%s', (_name, yaml, status, reason, message) => {
    expect(computeHealth(yamlObject(yaml))).toEqual({ status, message, ...(reason ? { reason } : {}) });
  });
});
