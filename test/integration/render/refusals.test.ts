import { describe, expect, it } from 'vitest';
import type { SyncTarget } from '../../../src/core/types.ts';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { fixtureFiles, useRenderTools } from '../../support/render-tools.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();
useRenderTools();

const kustomization = (body: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata: {}\n';

/** Syncs a bad commit and checks that it failed in render, named `file`, and wrote nothing to the cluster. */
async function refused(
  fx: SyncFixture,
  files: Record<string, string>,
  file: string,
  render?: SyncTarget['render'],
) {
  await fx.repo.commit(files, 'bad');
  const r = await fx.sync({}, { path: 'app', ...(render ? { render } : {}) });
  expect(r.outcome).toBe('failed');
  expect(r.error?.stage).toBe('render');
  expect(r.error?.message.startsWith(`${file}: `), r.error?.message).toBe(true);
  expect(r.error?.message).not.toMatch(/gitops-render-/);
  for (const write of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(r.methods[write] ?? 0, write).toBe(0);
  expect(await kubectl(['get', 'configmaps,deployments', '-n', fx.namespace, '-o', 'name'])).not.toMatch(
    /configmap\/ok|gitops-agent/,
  );
  return r.error!.message;
}

describe('render refusals', () => {
  it('refuses a remote base unless the target allows it, and then only from an allowed host', async () => {
    const fx = await suite.fixture('rremote');
    const remote = 'https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0';
    const files = { 'app/kustomization.yaml': kustomization(`resources:\n  - ${remote}\n`) };
    expect(await refused(fx, files, 'app/kustomization.yaml')).toMatch(/remote base .* is not allowed/);
    const other = await refused(fx, files, 'app/kustomization.yaml', {
      mode: 'kustomize',
      kustomize: { allowRemote: true, allowedHosts: ['git.example.com'] },
    });
    expect(other).toMatch(/host github\.com is not in kustomize\.allowedHosts/);
  });

  it('refuses a base or a file outside the repository', async () => {
    const fx = await suite.fixture('rescape');
    expect(
      await refused(
        fx,
        { 'app/kustomization.yaml': kustomization('resources:\n  - ../../../../etc\n'), 'app/cm.yaml': CM },
        'app/kustomization.yaml',
      ),
    ).toMatch(/resources: "..\/..\/..\/..\/etc" is outside the repository/);
    expect(
      await refused(
        fx,
        {
          'app/kustomization.yaml': kustomization(
            'resources:\n  - cm.yaml\npatches:\n  - path: ../../etc/passwd\n',
          ),
        },
        'app/kustomization.yaml',
      ),
    ).toMatch(/patches: ".*" is outside the repository/);
  });

  it('refuses an exec plugin, naming the file that declares it', async () => {
    const fx = await suite.fixture('rexec');
    const gen = [
      'apiVersion: example.com/v1',
      'kind: Generator',
      'metadata:',
      '  name: run-anything',
      '  annotations:',
      '    config.kubernetes.io/function: |',
      '      exec:',
      '        path: ./plugin.sh',
      '',
    ].join('\n');
    const message = await refused(
      fx,
      {
        'app/kustomization.yaml': kustomization('resources:\n  - cm.yaml\ngenerators:\n  - gen.yaml\n'),
        'app/cm.yaml': CM,
        'app/gen.yaml': gen,
        'app/plugin.sh': '#!/bin/sh\ntouch /tmp/pwned\n',
      },
      'app/gen.yaml',
    );
    expect(message).toMatch(
      /KRM function \(config.kubernetes.io\/function\) used by app\/kustomization.yaml is not allowed/,
    );
  });

  it('refuses a kustomization that loops', async () => {
    const fx = await suite.fixture('rloop');
    const message = await refused(
      fx,
      {
        'app/kustomization.yaml': kustomization('resources:\n  - ../other\n'),
        'other/kustomization.yaml': kustomization('resources:\n  - ../app\n'),
      },
      'other/kustomization.yaml',
    );
    expect(message).toMatch(/kustomization loops: app → other → app/);
  });

  it('refuses output over the limit and a render over the time limit', async () => {
    const fx = await suite.fixture('rlimits');
    const files = await fixtureFiles('test/fixtures/render/overlays', '', { __NAMESPACE__: fx.namespace });
    const app = {
      ...files,
      'app/kustomization.yaml': kustomization('resources:\n  - ../overlays/staging\n'),
    };
    expect(
      await refused(fx, app, 'app/kustomization.yaml', { mode: 'auto', limits: { maxOutputBytes: 512 } }),
    ).toMatch(/kustomize build printed more than 512 bytes \(render limit maxOutputBytes\) and was stopped/);
    expect(
      await refused(fx, app, 'app/kustomization.yaml', { mode: 'auto', limits: { timeoutMs: 1 } }),
    ).toMatch(/kustomize build took longer than 1 ms \(render limit timeoutMs\) and was stopped/);
    const ok = await fx.sync({}, { path: 'app', render: { mode: 'auto' } });
    expect(ok.outcome).toBe('synced');
  });

  it('reports kustomize’s own errors with repository paths, not the sandbox’s', async () => {
    const fx = await suite.fixture('rmissing');
    const message = await refused(
      fx,
      { 'app/kustomization.yaml': kustomization('resources:\n  - missing.yaml\n') },
      'app/kustomization.yaml',
    );
    expect(message).toMatch(/^app\/kustomization.yaml: kustomize build failed: .*app\/missing.yaml/s);
  });

  it('refuses a values file outside the repository', async () => {
    const fx = await suite.fixture('rvalues');
    const chart = await fixtureFiles('test/fixtures/render/chart', 'app');
    expect(
      await refused(fx, chart, 'app/Chart.yaml', {
        mode: 'helm',
        helm: { valuesFiles: ['../../secrets.yaml'] },
      }),
    ).toMatch(/values file "..\/..\/secrets.yaml" is outside the repository/);
  });
});
