import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RenderCache } from '../../../src/sync/render-cache.ts';
import { kubeconfigPath } from '../../support/cluster.ts';
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

  it('renders an unchanged commit once: the next sync reuses the render', async () => {
    const fx = await suite.fixture('kcache');
    await fx.repo.commit(await fixtureFiles(OVERLAYS, '', { __NAMESPACE__: fx.namespace }), 'overlays');
    const renderCache: RenderCache = {};
    const reused: string[] = [];
    const deps = {
      renderCache,
      onEvent: (e: { type: string }) => void (e.type === 'render-reused' && reused.push(e.type)),
    };
    const target = { path: 'overlays/prod', render: { mode: 'auto' as const } };
    const first = await fx.sync({}, target, deps);
    expect(first.outcome).toBe('synced');
    expect(reused).toEqual([]);
    // The tool is gone: a second sync of the same commit can only pass if it does not run it.
    const saved = process.env.GITOPS_AGENT_KUSTOMIZE;
    process.env.GITOPS_AGENT_KUSTOMIZE = '/nonexistent/kustomize';
    try {
      const second = await fx.sync({}, target, deps);
      expect(second.outcome).toBe('synced');
      expect(second.renderer).toEqual({ tool: 'kustomize', version: 'v5.8.1' });
      expect(reused).toEqual(['render-reused']);
      await fx.repo.commit({ 'base/config.properties': 'greeting=hej\n' }, 'changed input');
      const third = await fx.sync({}, target, deps);
      expect(third.outcome).toBe('failed');
      expect(third.error?.message).toMatch(/overlays\/prod\/kustomization.yaml: cannot run kustomize build/);
    } finally {
      process.env.GITOPS_AGENT_KUSTOMIZE = saved;
    }
  });

  it('gitops-agent render prints the objects an overlay renders to, with the tool and its version', async () => {
    const fx = await suite.fixture('kcli');
    const files = await fixtureFiles(OVERLAYS, '', { __NAMESPACE__: fx.namespace });
    await fx.repo.commit(files, 'overlays');
    const args = ['bin/gitops-agent.mjs', 'render', '--repo', fx.repo.url, '--path', 'overlays/prod'];
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [...args, '--kubeconfig', kubeconfigPath(), '--namespace', fx.namespace],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^# commit [0-9a-f]{40}, rendered by kustomize v5\.8\.1\n/);
    expect(out.stdout).toContain('# Source: overlays/prod/kustomization.yaml (document 4)');
    const expected = sortObjects(objectsOf(await runIn(files, tools.kustomize, ['build', 'overlays/prod'])));
    expect(sortObjects(objectsOf(out.stdout))).toEqual(expected);
    expect(await getLive('deployment', 'prod-web', fx.namespace)).toBeUndefined();

    const diff = await fx.cli('diff', ['--path', 'overlays/prod']);
    expect(diff.stdout).toMatch(/^Target .* commit [0-9a-f]{12} {2}rendered by kustomize v5\.8\.1\n/);
    expect(diff.stdout).toContain(`created    Deployment.apps/${fx.namespace}/prod-web`);
    expect(diff.code).toBe(1);
  });
});
