// Branches of the Pod, Job, PVC, CRD and Secret rules that the upstream table does not reach, with their messages.
import { describe, expect, it } from 'vitest';
import { computeHealth } from '../../../src/health/compute.ts';
import { kindRules } from '../../../src/health/kinds/index.ts';
import { yamlObject, type HealthCase } from './fixtures.ts';

const NOW = new Date('2024-05-01T12:00:15Z');

const cases: HealthCase[] = [
  [
    'Pod running but not ready',
    "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nstatus: { phase: Running, conditions: [{ type: Ready, status: 'False' }] }",
    'InProgress',
    'PodRunningNotReady',
    'Pod is running but is not Ready',
  ],
  [
    'Pod pending without a scheduling problem',
    'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nstatus: { phase: Pending }',
    'InProgress',
    'PodPending',
    'Pod is in the Pending phase',
  ],
  [
    'Pod unschedulable for exactly the 15 s window',
    `apiVersion: v1
kind: Pod
metadata: { name: p, creationTimestamp: '2024-05-01T12:00:00Z' }
status: { phase: Pending, conditions: [{ type: PodScheduled, status: 'False', reason: Unschedulable }] }`,
    'Failed',
    'PodUnschedulable',
    'Pod could not be scheduled',
  ],
  [
    'Pod with two crash-looping containers',
    `apiVersion: v1
kind: Pod
metadata: { name: p }
status:
  phase: Running
  containerStatuses:
    - { name: app, state: { waiting: { reason: CrashLoopBackOff } } }
    - { name: ok, state: { running: {} } }
    - { name: sidecar, state: { waiting: { reason: CrashLoopBackOff } } }`,
    'Failed',
    'ContainerCrashLooping',
    'Containers in CrashLoop state: app,sidecar',
  ],
  [
    'Pod in an unknown phase',
    'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nstatus: { phase: Exploded }',
    'Unknown',
    undefined,
    'Cannot compute status: unknown phase Exploded',
  ],
  [
    'Job started and running',
    `apiVersion: batch/v1
kind: Job
metadata: { name: j }
status: { startTime: '2024-05-01T12:00:00Z', succeeded: 1, active: 2, failed: 0 }`,
    'Current',
    undefined,
    'Job in progress. success:1, active: 2, failed: 0',
  ],
  [
    'Job failed, counting against parallelism when completions is unset',
    "apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\nspec: { parallelism: 3 }\nstatus: { failed: 2, conditions: [{ type: Failed, status: 'True' }] }",
    'Failed',
    'JobFailed',
    'Job Failed. failed: 2/3',
  ],
  [
    'PVC pending',
    'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: c }\nstatus: { phase: Pending }',
    'InProgress',
    'NotBound',
    'PVC is not Bound. phase: Pending',
  ],
  [
    'CRD whose establishment failed',
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: c }\nstatus: { conditions: [{ type: Established, status: 'False', reason: Broken }] }",
    'Failed',
    'Broken',
    'Established is False: Broken',
  ],
  [
    'Secret',
    'apiVersion: v1\nkind: Secret\nmetadata: { name: s }',
    'Current',
    undefined,
    'Resource is always ready',
  ],
  [
    'APIService whose backend fails discovery is not Current',
    "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: { name: v1beta1.metrics.k8s.io }\nstatus: { conditions: [{ type: Available, status: 'False', reason: FailedDiscoveryCheck, message: 'failing or missing response from https://10.96.0.9:443/apis/metrics.k8s.io/v1beta1' }] }",
    'InProgress',
    'FailedDiscoveryCheck',
    'failing or missing response from https://10.96.0.9:443/apis/metrics.k8s.io/v1beta1',
  ],
  [
    'APIService that is Available',
    "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: { name: v1.apps }\nstatus: { conditions: [{ type: Available, status: 'True', reason: Local }] }",
    'Current',
    undefined,
    'APIService is available',
  ],
  [
    'APIService not yet observed by the aggregator',
    'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: { name: v1.example.com }',
    'InProgress',
    'AvailableNotObserved',
    'APIService Available condition not set',
  ],
  [
    'a core kind name under another group gets no rule',
    'apiVersion: example.com/v1\nkind: Pod\nmetadata: { name: p }\nstatus: { phase: Exploded }',
    'Current',
    undefined,
    'Resource is current',
  ],
];

describe('computeHealth kind rules', () => {
  it.each(cases)('%s', (_name, yaml, status, reason, message) => {
    expect(computeHealth(yamlObject(yaml), NOW)).toEqual({ status, message, ...(reason ? { reason } : {}) });
  });

  it('has no rule for Namespace', () => {
    expect(kindRules.has('Namespace')).toBe(false);
  });
});
