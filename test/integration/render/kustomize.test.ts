import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/core/types.ts';
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
const OVERLAYS = 'test/fixtures/render/overlays';

async function syncPath(fx: SyncFixture, path: string) {
  let desired: Manifest[] = [];
  const result = await fx.sync(
    {},
    { name: `${fx.namespace}-${path.split('/').pop()}`, path, render: { mode: 'auto' } },
    { onEvent: (e) => void (e.type === 'desired' && (desired = e.manifests)) },
  );
  return { result, desired };
}

describe('kustomize overlays', () => {
  it('syncs each overlay to exactly what kustomize build prints', async () => {
    const fx = await suite.fixture('kustomize');
    const files = await fixtureFiles(OVERLAYS, '', { __NAMESPACE__: fx.namespace });
    await fx.repo.commit(files, 'base, component and two overlays');

    for (const overlay of ['overlays/staging', 'overlays/prod']) {
      const expected = sortObjects(objectsOf(await runIn(files, tools.kustomize, ['build', overlay])));
      const { result, desired } = await syncPath(fx, overlay);
      expect(result.error).toBeUndefined();
      expect(result.outcome).toBe('synced');
      expect(result.renderer).toEqual({ tool: 'kustomize', version: 'v5.8.1' });
      expect(result.timings.render).toBeGreaterThan(0);
      expect(withoutPartOf(desired)).toEqual(expected);
      expect(expected.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'Service']);
      for (const o of expected) {
        const live = await getLive(o.kind, o.metadata.name, fx.namespace);
        expect(live, `${o.kind}/${o.metadata.name}`).toMatchObject({ metadata: { name: o.metadata.name } });
      }
    }
    const prod = (await getLive('deployment', 'prod-web', fx.namespace)) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    expect(prod.spec.replicas).toBe(3);
    expect(prod.spec.template.spec.containers[0]?.image).toBe('registry.example.com/mirror/nginx:1.27');

    const again = await syncPath(fx, 'overlays/prod');
    expect(again.result.outcome).toBe('synced');
    expect(again.result.methods.PATCH ?? 0).toBe(0);
    expect(again.result.requests.APPLY ?? 0).toBe(0);
  });

  it('a changed generator input creates the new ConfigMap, updates the reference and prunes the old one', async () => {
    const fx = await suite.fixture('kgen');
    const files = await fixtureFiles(OVERLAYS, '', { __NAMESPACE__: fx.namespace });
    await fx.repo.commit(files, 'overlays');
    const first = await syncPath(fx, 'overlays/staging');
    expect(first.result.outcome).toBe('synced');
    const oldName = first.desired.find((m) => m.object.metadata.name.startsWith('staging-web-config-'))!
      .object.metadata.name;

    await fx.repo.commit({ 'base/config.properties': 'greeting=bonjour\n' }, 'new greeting');
    const second = await syncPath(fx, 'overlays/staging');
    expect(second.result.outcome).toBe('synced');
    const newName = second.desired.find((m) => m.object.metadata.name.startsWith('staging-web-config-'))!
      .object.metadata.name;
    expect(newName).not.toBe(oldName);
    expect(actions(second.result)).toMatchObject({
      [`ConfigMap/${newName}`]: 'created',
      'Deployment/staging-web': 'configured',
      [`ConfigMap/${oldName}`]: 'deleted',
    });
    expect(await getLive('configmap', oldName, fx.namespace)).toBeUndefined();
    expect(await getLive('configmap', newName, fx.namespace)).toMatchObject({
      data: { 'config.properties': 'greeting=bonjour\n' },
    });
    const web = (await getLive('deployment', 'staging-web', fx.namespace)) as {
      spec: { template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[] }[] } } };
    };
    expect(web.spec.template.spec.containers[0]?.envFrom[0]?.configMapRef.name).toBe(newName);
  });
});
