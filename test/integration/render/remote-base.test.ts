import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncTarget } from '../../../src/core/types.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { getLive, syncFixture } from '../../support/sync-fixture.ts';
import { useRenderTools } from '../../support/render-tools.ts';

useRenderTools();
const TOKEN = 'remote-base-token-7f3a9c';
const auth = { username: 'x-access-token', password: TOKEN };
let server: GitServer | undefined;
beforeAll(async () => {
  server = await startGitServer({ auth });
});
afterAll(async () => {
  await server?.close();
});

const K = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';

describe('an allowed remote base', () => {
  it('is fetched from an allowed host with the target’s own credentials, and nothing leaks the token', async () => {
    const fx = await syncFixture(server!, 'rbase');
    try {
      const base = await server!.createRepo(`${fx.namespace}-base`);
      await base.commit(
        {
          'app/kustomization.yaml': `${K}resources: [cm.yaml]\n`,
          'app/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-remote\ndata: { a: "1" }\n',
        },
        'shared base',
      );
      await fx.repo.commit(
        {
          'app/kustomization.yaml': `${K}namespace: ${fx.namespace}\nresources:\n  - ${base.url}//app?ref=main&submodules=false\n`,
        },
        'overlay on a remote base',
      );
      const render: SyncTarget['render'] = {
        mode: 'auto',
        kustomize: { allowRemote: true, allowedHosts: ['127.0.0.1'] },
      };

      // The server refuses every request without the token, and kustomize's git has no credential of its own
      // (no HOME config, no prompt): the base arrives only through the header the agent gives it.
      const synced = await fx.sync({}, { path: 'app', render }, { auth });
      expect(server!.requests.some((r) => r.path === `/${fx.namespace}-base.git/git-upload-pack`)).toBe(true);
      expect(synced.error).toBeUndefined();
      expect(synced.outcome).toBe('synced');
      expect(await getLive('configmap', 'from-remote', fx.namespace)).toMatchObject({ data: { a: '1' } });
      expect(JSON.stringify(synced)).not.toContain(TOKEN);

      // Another host allowed instead: the base is refused before kustomize runs, so no credentials go anywhere.
      const other = await fx.sync(
        {},
        { path: 'app', render: { ...render, kustomize: { allowRemote: true, allowedHosts: ['localhost'] } } },
        { auth },
      );
      expect(other.outcome).toBe('failed');
      expect(other.error?.message).toMatch(
        /^app\/kustomization.yaml: remote base .* host 127\.0\.0\.1 is not in kustomize\.allowedHosts \(localhost\)$/,
      );
    } finally {
      await fx.cleanup();
    }
  });
});
