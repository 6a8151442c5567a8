// Every case of kstatus's status_compute_test.go and core_test.go (digest §1.4), with status and reason.
import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../../src/core/types.ts';
import { computeHealth } from '../../../src/health/compute.ts';
import { fixture } from './fixtures.ts';

// podBeingScheduled was created 5 s before this instant.
const NOW = new Date('2024-05-01T12:00:05Z');

const cases: [name: string, status: HealthStatus, reason: string | undefined][] = [
  ['podNoStatus', 'InProgress', 'PodNotObserved'],
  ['podReady', 'Current', undefined],
  ['podCompletedSuccessfully', 'Current', undefined],
  ['podCompletedFailed', 'Current', undefined],
  ['podBeingScheduled', 'InProgress', 'PodNotScheduled'],
  ['podUnschedulable', 'Failed', 'PodUnschedulable'],
  ['podCrashLooping', 'Failed', 'ContainerCrashLooping'],
  ['pvcNoStatus', 'InProgress', 'NotBound'],
  ['pvcBound', 'Current', undefined],
  ['stsNoStatus', 'InProgress', 'LessReplicas'],
  ['stsBadStatus', 'InProgress', 'LessReplicas'],
  ['stsOK', 'Current', undefined],
  ['stsLessReady', 'InProgress', 'LessReady'],
  ['stsLessCurrent', 'InProgress', 'LessCurrent'],
  ['stsExtraPods', 'InProgress', 'ExtraPods'],
  ['dsNoStatus', 'InProgress', 'NoObservedGeneration'],
  ['dsBadStatus', 'InProgress', 'NoDesiredNumber'],
  ['dsOK', 'Current', undefined],
  ['dsLessReady', 'InProgress', 'LessReady'],
  ['dsLessAvailable', 'InProgress', 'LessAvailable'],
  ['dsDifferentGeneration', 'InProgress', 'LatestGenerationNotObserved'],
  ['depNoStatus', 'InProgress', 'LessReplicas'],
  ['depOK', 'Current', undefined],
  ['depNotProgressing', 'InProgress', 'ReplicaSetNotAvailable'],
  ['depNoProgressDeadlineSeconds', 'Current', undefined],
  ['depNotAvailable', 'InProgress', 'DeploymentNotAvailable'],
  ['rsNoStatus', 'InProgress', 'LessLabelled'],
  ['rsOK1', 'Current', undefined],
  ['rsOK2', 'Current', undefined],
  ['rsLessAvailable', 'InProgress', 'LessAvailable'],
  ['rsLessReady', 'InProgress', 'LessReady'],
  ['rsReplicaFailure', 'InProgress', 'ReplicaFailure'],
  ['pdbNotObserved', 'InProgress', 'LatestGenerationNotObserved'],
  ['pdbObserved', 'Current', undefined],
  ['crdNoStatus', 'Current', undefined],
  ['crdNoCondition', 'Current', undefined],
  ['crdReady', 'Current', undefined],
  ['crdNotReady', 'InProgress', 'NotReadyYet'],
  ['crdMismatchStatusGeneration', 'InProgress', 'LatestGenerationNotObserved'],
  ['jobNoStatus', 'InProgress', 'JobNotStarted'],
  ['jobComplete', 'Current', undefined],
  ['jobFailed', 'Failed', 'JobFailed'],
  ['jobInProgress', 'Current', undefined],
  ['cronjobNoStatus', 'Current', undefined],
  ['cronjobWithStatus', 'Current', undefined],
  ['serviceDefault', 'Current', undefined],
  ['serviceNodePort', 'Current', undefined],
  ['serviceLBok', 'Current', undefined],
  ['serviceLBnok', 'InProgress', 'NoIPAssigned'],
  ['crdNoConditions', 'InProgress', 'Installing'],
  ['crdInstalling', 'InProgress', 'Installing'],
  ['crdNamesNotAccepted', 'Failed', 'SomeReason'],
  ['crdEstablished', 'Current', undefined],
  ['suspendedJob', 'Current', undefined],
  ['previouslySuspendedJob', 'InProgress', 'JobNotStarted'],
  ['toSuspendedJob', 'InProgress', 'JobNotStarted'],
  ['fromSuspendedJob', 'InProgress', 'JobNotStarted'],
];

describe('computeHealth on the kstatus test table', () => {
  it.each(cases)('%s is %s (%s)', (name, status, reason) => {
    const health = computeHealth(fixture(name), NOW);
    expect(health.status).toBe(status);
    expect(health.reason).toBe(reason);
    expect(health.message).not.toBe('');
  });
});
