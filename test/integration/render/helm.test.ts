import { describe, expect, it } from 'vitest';
import type { Manifest, SyncTarget } from '../../../src/core/types.ts';
import { kubectl, kubeVersion } from '../../support/cluster.ts';
import { actions, getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
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

const render: SyncTarget['render'] = {
  mode: 'auto',
  helm: { releaseName: 'web', valuesFiles: ['values-prod.yaml'], values: { image: { tag: '1.26' } } },
};

async function syncChart(fx: SyncFixture, mode: 'sync' | 'diff' = 'sync') {
  let desired: Manifest[] = [];
  const result = await fx.sync(
    { mode },
    { path: 'charts/greeter', render },
    { onEvent: (e) => void (e.type === 'desired' && (desired = e.manifests)) },
  );
  return { result, desired };
}

describe('helm charts', () => {
  it('syncs a chart with values files and inline values to exactly what helm template prints', async () => {
    const fx = await suite.fixture('helm');
    const files = await fixtureFiles('test/fixtures/render/chart', 'charts/greeter');
    await fx.repo.commit(files, 'chart');

    const { result, desired } = await syncChart(fx);
    expect(result.error).toBeUndefined();
    expect(result.outcome).toBe('synced');
    expect(result.renderer).toEqual({ tool: 'helm', version: 'v3.22.0' });

    const inline = JSON.stringify(render.helm?.values);
    const printed = await runIn({ ...files, 'inline.json': inline }, tools.helm, [
      'template',
      'web',
      'charts/greeter',
      '--namespace',
      fx.namespace,
      '--include-crds',
      '--skip-tests',
      '--kube-version',
      kubeVersion(),
      '--api-versions',
      'apps/v1/Deployment',
      '--values',
      'charts/greeter/values-prod.yaml',
      '--values',
      'inline.json',
    ]);
    const expected = sortObjects(objectsOf(printed, fx.namespace));
    expect(withoutPartOf(desired)).toEqual(expected);
    expect(expected.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);

    const cm = await getLive('configmap', 'web-greeter', fx.namespace);
    expect(cm).toMatchObject({
      data: {
        greeting: 'hello from prod',
        kubeVersion: kubeVersion(),
        lookupEmpty: 'true',
        hasDeployments: 'true',
      },
    });
    const deploy = (await getLive('deployment', 'web-greeter', fx.namespace)) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    expect(deploy.spec.replicas).toBe(2);
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('nginx:1.26');
  });

  it('applies a values change as a diff of only what changed', async () => {
    const fx = await suite.fixture('hvalues');
    await fx.repo.commit(await fixtureFiles('test/fixtures/render/chart', 'charts/greeter'), 'chart');
    expect((await syncChart(fx)).result.outcome).toBe('synced');

    await fx.repo.commit(
      { 'charts/greeter/values-prod.yaml': 'replicaCount: 4\ngreeting: hello from prod\n' },
      'scale',
    );
    const planned = await syncChart(fx, 'diff');
    expect(planned.result.outcome).toBe('planned');
    expect(actions(planned.result)).toEqual({
      'ConfigMap/web-greeter': 'unchanged',
      'Deployment/web-greeter': 'configured',
      'Service/web-greeter': 'unchanged',
    });
    const diff = planned.result.changes.find((c) => c.ref.kind === 'Deployment')?.diff ?? '';
    const changed = diff.split('\n').filter((l) => /^[-+] /.test(l) || /^[-+]\s/.test(l));
    expect(changed.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(['- replicas: 2', '+ replicas: 4']);

    const applied = await syncChart(fx);
    expect(applied.result.outcome).toBe('synced');
    expect(actions(applied.result)).toEqual({
      'ConfigMap/web-greeter': 'unchanged',
      'Deployment/web-greeter': 'configured',
      'Service/web-greeter': 'unchanged',
    });
    // One apply of the Deployment and one of the inventory parent recording it; nothing else is written.
    expect(applied.result.requests.APPLY).toBe(2);
    expect(await getLive('deployment', 'web-greeter', fx.namespace)).toMatchObject({ spec: { replicas: 4 } });
  });
  // One-shot syncs (a CronJob, CI) leave the files unread while the ref stays put and reuse the render kept
  // on disk; a chart reads .Capabilities, so a new CRD must render the same commit anew.
  it('renders the same commit again in the next process once the cluster serves a new API', async () => {
    const fx = await suite.fixture('hcaps');
    const group = `${fx.namespace}.example.com`;
    const gated = [
      `{{- if .Capabilities.APIVersions.Has "${group}/v1/Widget" }}`,
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: widgets-served',
      '{{- end }}',
      '',
    ].join('\n');
    const files = await fixtureFiles('test/fixtures/render/chart', 'charts/greeter');
    await fx.repo.commit({ ...files, 'charts/greeter/templates/widgets.yaml': gated }, 'chart');
    const args = [
      '--path',
      'charts/greeter',
      '--render',
      'helm',
      '--helm-release',
      'web',
      '--output',
      'json',
    ];
    const sync = async () => {
      const out = await fx.cli('sync', args);
      expect(out.stderr, out.stdout).toBe('');
      return JSON.parse(out.stdout) as {
        outcome: string;
        changes: { action: string; ref: { name: string } }[];
      };
    };
    const first = await sync();
    expect(first.outcome).toBe('synced');
    expect(first.changes.map((c) => c.ref.name)).not.toContain('widgets-served');
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
        ],
      },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
    try {
      await kubectl(['wait', '--for=condition=established', `crd/widgets.${group}`]);
      const second = await sync();
      expect(second.outcome).toBe('synced');
      expect(second.changes.find((c) => c.ref.name === 'widgets-served')?.action).toBe('created');
      expect(await getLive('configmap', 'widgets-served', fx.namespace)).toBeDefined();
      // The cluster unchanged, the next process leaves the files unread and writes nothing.
      const third = await sync();
      expect(third.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    } finally {
      await kubectl(['delete', 'crd', `widgets.${group}`, '--ignore-not-found']);
    }
  });
});
