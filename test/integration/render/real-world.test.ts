import { describe, expect, it } from 'vitest';
import type { Manifest, SyncTarget } from '../../../src/core/types.ts';
import { getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { eventually, kubectl, kubeVersion } from '../../support/cluster.ts';
import { TEST_NAMESPACE_LABEL } from '../../support/labels.ts';
import {
  fixtureFiles,
  objectsOf,
  runIn,
  sortObjects,
  useRenderTools,
  withoutPartOf,
} from '../../support/render-tools.ts';

const suite = useSyncFixtures();
const tools = useRenderTools();
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

// The Flux example's objects are HelmReleases; this cluster runs no Flux, so the test serves the kind itself.
const HELMRELEASE_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: helmreleases.helm.toolkit.fluxcd.io
  labels: { ${TEST_NAMESPACE_LABEL}: "true" }
spec:
  group: helm.toolkit.fluxcd.io
  scope: Namespaced
  names: { plural: helmreleases, singular: helmrelease, kind: HelmRelease, shortNames: [hr] }
  versions:
    - name: v2
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

async function syncTwice(fx: SyncFixture, overrides: Partial<SyncTarget>) {
  let desired: Manifest[] = [];
  const first = await fx.sync({}, overrides, {
    onEvent: (e) => void (e.type === 'desired' && (desired = e.manifests)),
  });
  expect(first.error).toBeUndefined();
  expect(first.outcome).toBe('synced');
  const second = await fx.sync({}, overrides);
  expect(second.outcome).toBe('synced');
  const writes = Object.fromEntries(WRITES.map((m) => [m, second.methods[m] ?? 0]));
  expect(writes).toEqual({ POST: 0, PUT: 0, PATCH: 0, DELETE: 0 });
  expect(second.changes.every((c) => c.action === 'unchanged')).toBe(true);
  return { first, second, desired };
}

describe('real-world layouts', () => {
  it('syncs the staging and production overlays of fluxcd/flux2-kustomize-helm-example, then again with 0 writes', async () => {
    const fx = await suite.fixture('flux-example');
    await kubectl(['apply', '-f', '-'], { input: HELMRELEASE_CRD });
    suite.onCleanup(() => kubectl(['delete', 'crd', 'helmreleases.helm.toolkit.fluxcd.io', '--wait=false']));
    suite.onCleanup(() => kubectl(['delete', 'namespace', 'podinfo', '--ignore-not-found', '--wait=false']));
    await kubectl(['wait', '--for=condition=Established', 'crd/helmreleases.helm.toolkit.fluxcd.io']);
    // Established comes before the storage serves a LIST ("storage is (re)initializing").
    await eventually(
      'HelmReleases to be listable',
      async () => (await kubectl(['get', 'helmreleases', '-A']), true),
    );
    const files = await fixtureFiles('test/fixtures/real-world/flux2-kustomize-helm-example');
    await fx.repo.commit(files, 'vendored flux2-kustomize-helm-example');

    for (const [overlay, host] of [
      ['apps/staging', 'podinfo.staging'],
      ['apps/production', 'podinfo.production'],
    ] as const) {
      // Both overlays own the same two objects, as they would on two clusters; here one takes over from the other.
      const { first, desired } = await syncTwice(fx, {
        name: `${fx.namespace}-${overlay.split('/')[1]}`,
        path: overlay,
        adopt: true,
      });
      expect(first.renderer?.tool).toBe('kustomize');
      const expected = sortObjects(objectsOf(await runIn(files, tools.kustomize, ['build', overlay])));
      expect(withoutPartOf(desired)).toEqual(expected);
      const release = (await getLive('helmrelease', 'podinfo', 'podinfo')) as { spec: unknown };
      expect(JSON.stringify(release.spec)).toContain(host);
    }
  });

  it('syncs the kwok project’s own Helm chart, vendored into a repository, then again with 0 writes', async () => {
    const fx = await suite.fixture('kwok-chart');
    const name = `${fx.namespace}-kwok`;
    for (const kind of ['clusterrole', 'clusterrolebinding', 'flowschema'])
      suite.onCleanup(() => kubectl(['delete', kind, name, '--ignore-not-found']));
    const files = await fixtureFiles('test/fixtures/real-world/kwok-chart/kwok', 'charts/kwok');
    await fx.repo.commit(files, 'vendored kwok chart');
    const render: SyncTarget['render'] = {
      mode: 'auto',
      helm: { releaseName: 'kwok', values: { fullnameOverride: name } },
    };

    const { first, desired } = await syncTwice(fx, { path: 'charts/kwok', render });
    expect(first.renderer).toEqual({ tool: 'helm', version: 'v3.22.0' });
    const printed = await runIn(
      { ...files, 'inline.json': JSON.stringify(render.helm?.values) },
      tools.helm,
      [
        'template',
        'kwok',
        'charts/kwok',
        '--namespace',
        fx.namespace,
        '--include-crds',
        '--skip-tests',
        '--kube-version',
        kubeVersion(),
        '--values',
        'inline.json',
      ],
    );
    const expected = sortObjects(
      objectsOf(printed, fx.namespace, ['ClusterRole', 'ClusterRoleBinding', 'FlowSchema']),
    );
    expect(withoutPartOf(desired)).toEqual(expected);
    expect(expected.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'FlowSchema',
      'Service',
      'ServiceAccount',
    ]);
    expect(await getLive('deployment', name, fx.namespace)).toMatchObject({ metadata: { name } });
  });
});
