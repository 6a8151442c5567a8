// The chart's namespaced RBAC mode: the agent, run as the chart's ServiceAccount, syncs a target inside its
// namespaces, and can neither read nor write anywhere else (kubectl auth can-i over verbs and kinds, and a
// commit that reaches outside fails with nothing written there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { kubectl } from '../../support/cluster.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { helmOk } from '../../support/helm.ts';
import { canI, forbiddenLines, installChart, runAsRelease, syncDone, type Release } from './chart-support.ts';

let server: GitServer;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
});

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const NAMESPACED = [
  'configmaps',
  'secrets',
  'pods',
  'events',
  'events.events.k8s.io',
  'leases.coordination.k8s.io',
  'deployments.apps',
  'roles.rbac.authorization.k8s.io',
];
const CLUSTER = [
  'namespaces',
  'nodes',
  'clusterroles.rbac.authorization.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
];

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  a: "1"\n`;

describe('charts/gitops-agent with rbac.scope namespaced', () => {
  it('syncs inside its namespace; outside it can neither read nor write, by can-i and by a commit that tries', async () => {
    const releaseNs = await createTestNamespace('chart-ns');
    const appNs = await createTestNamespace('chart-ns-app');
    const otherNs = await createTestNamespace('chart-ns-other');
    defer(
      () => releaseNs.cleanup(),
      () => appNs.cleanup(),
      () => otherNs.cleanup(),
    );
    const release: Release = {
      name: releaseNs.name,
      namespace: releaseNs.name,
      fullname: `${releaseNs.name}-gitops-agent`,
    };
    defer(() => helmOk(['uninstall', release.name, '-n', release.namespace]));
    const repo = await server.createRepo(appNs.name);
    await repo.commit({ 'deploy/settings.yaml': configMap('settings') }, 'app');
    await installChart(release, {
      rbac: { scope: 'namespaced', namespaces: [appNs.name] },
      config: {
        agent: { cluster: 'test', retry: { initial: '1s', max: '3s' } },
        targets: [
          { name: appNs.name, repo: repo.url, path: 'deploy', namespace: appNs.name, interval: '1h' },
        ],
      },
    });
    expect(
      await kubectl([
        'get',
        'clusterrole,clusterrolebinding',
        '-l',
        `app.kubernetes.io/instance=${release.name}`,
        '-o',
        'name',
      ]),
    ).toBe('');

    const as = `system:serviceaccount:${release.namespace}:${release.fullname}`;
    const answers = async (resources: string[], scope: string[]) =>
      Object.fromEntries(
        await Promise.all(
          resources.flatMap((r) =>
            VERBS.map(
              async (v) => [`${v} ${r} ${scope.join(' ')}`.trim(), await canI(as, v, r, scope)] as const,
            ),
          ),
        ),
      );
    const outside = {
      ...(await answers(NAMESPACED, ['-n', otherNs.name])),
      ...(await answers(
        ['configmaps', 'secrets', 'deployments.apps', 'leases.coordination.k8s.io'],
        ['--all-namespaces'],
      )),
      ...(await answers(CLUSTER, [])),
    };
    expect(Object.entries(outside).filter(([, a]) => a !== 'no')).toEqual([]);
    expect(Object.keys(outside)).toHaveLength((NAMESPACED.length + 4 + CLUSTER.length) * VERBS.length);
    // Inside, exactly what the agent calls: a yes is expected for each of these, a no for the rest.
    const inside = await answers(
      [
        'configmaps',
        'deployments.apps',
        'leases.coordination.k8s.io',
        'events.events.k8s.io',
        'roles.rbac.authorization.k8s.io',
      ],
      ['-n', appNs.name],
    );
    expect(inside).toMatchObject({
      [`patch configmaps -n ${appNs.name}`]: 'yes',
      [`delete deployments.apps -n ${appNs.name}`]: 'yes',
      [`watch deployments.apps -n ${appNs.name}`]: 'yes',
      [`update deployments.apps -n ${appNs.name}`]: 'no',
      [`update leases.coordination.k8s.io -n ${appNs.name}`]: 'yes',
      [`create events.events.k8s.io -n ${appNs.name}`]: 'yes',
      [`get events.events.k8s.io -n ${appNs.name}`]: 'no',
      [`get roles.rbac.authorization.k8s.io -n ${appNs.name}`]: 'no',
    });

    const { agent } = await runAsRelease(release, defer);
    await agent.waitForLog('the first sync', syncDone(appNs.name, 'synced'), { timeoutMs: 90_000 });
    expect(await getLive('configmap', 'settings', appNs.name)).toBeDefined();
    expect(forbiddenLines(agent)).toEqual([]);

    // A commit that reaches into another namespace fails on the API server's 403, and writes nothing there.
    const from = agent.rawLines.length;
    await repo.commit({ 'deploy/escape.yaml': configMap('escape', otherNs.name) }, 'reach outside');
    await kubectl([
      'annotate',
      'configmap',
      `gitops-agent.${appNs.name}`,
      '-n',
      appNs.name,
      '--overwrite',
      `gitops-agent.io/requested-at=${new Date().toISOString()}`,
    ]);
    const failed = await agent.waitForLog('the sync of the escaping commit', syncDone(appNs.name, 'failed'), {
      from,
      timeoutMs: 60_000,
    });
    expect(String(failed.msg)).toMatch(/forbidden/i);
    expect(String(failed.msg)).toContain(otherNs.name);
    expect(await getLive('configmap', 'escape', otherNs.name)).toBeUndefined();
    expect((await agent.stop()).code).toBe(0);
  });
});
