import { describe, expect, it } from 'vitest';
import { takeoverPatch, unionFields } from '../../../src/apply/takeover.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../../src/core/types.ts';

const live = (managedFields: ManagedFieldsEntry[], annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', resourceVersion: '42', managedFields, ...(annotations ? { annotations } : {}) },
});
const csa: ManagedFieldsEntry = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsV1: { 'f:data': { 'f:a': {} } },
};
const kcm: ManagedFieldsEntry = {
  manager: 'kube-controller-manager',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsV1: { 'f:metadata': {} },
};
const ours: ManagedFieldsEntry = {
  manager: 'gitops-agent',
  operation: 'Apply',
  apiVersion: 'v1',
  fieldsV1: { 'f:data': { 'f:b': {} } },
};

describe('unionFields', () => {
  it.each([
    [{ 'f:a': {} }, { 'f:b': {} }, { 'f:a': {}, 'f:b': {} }],
    [{ 'f:a': {} }, { 'f:a': { 'f:b': {} } }, { 'f:a': { '.': {}, 'f:b': {} } }],
    [{ 'f:a': { 'f:b': {} } }, { 'f:a': {} }, { 'f:a': { '.': {}, 'f:b': {} } }],
    [{ 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:c': {} } }, { 'f:a': { 'f:b': {}, 'f:c': {} } }],
    [
      { 'f:a': { '.': {}, 'f:b': {} } },
      { 'f:a': { 'f:c': {} } },
      { 'f:a': { '.': {}, 'f:b': {}, 'f:c': {} } },
    ],
  ])('%j ∪ %j = %j', (a, b, want) => {
    expect(unionFields(a, b)).toEqual(want);
  });
});

describe('takeoverPatch', () => {
  it('renames the client-side manager to ours when we own nothing yet, and drops last-applied', () => {
    const ops = takeoverPatch(
      live([csa, kcm], { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }),
      'gitops-agent',
    );
    expect(ops).toEqual([
      { op: 'remove', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration' },
      {
        op: 'replace',
        path: '/metadata/managedFields',
        value: [kcm, { ...csa, manager: 'gitops-agent', operation: 'Apply' }],
      },
      { op: 'replace', path: '/metadata/resourceVersion', value: '42' },
    ]);
  });

  it('merges client-side fields into our existing Apply entry', () => {
    const ops = takeoverPatch(live([ours, csa, kcm]), 'gitops-agent');
    expect(ops?.[0]).toEqual({
      op: 'replace',
      path: '/metadata/managedFields',
      value: [kcm, { ...ours, fieldsV1: { 'f:data': { 'f:b': {}, 'f:a': {} } } }],
    });
  });

  it('leaves co-owners like kubectl scale alone and does nothing when there is nothing to take', () => {
    const scale: ManagedFieldsEntry = {
      manager: 'kubectl',
      operation: 'Update',
      subresource: 'scale',
      fieldsV1: {},
    };
    const rollout: ManagedFieldsEntry = { manager: 'kubectl-rollout', operation: 'Update', fieldsV1: {} };
    expect(takeoverPatch(live([ours, kcm, scale, rollout]), 'gitops-agent')).toBeUndefined();
  });
});
