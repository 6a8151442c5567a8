// The chart installed into the real control plane (kwok fakes its pod), then the agent run out of cluster as
// the chart's ServiceAccount with the config the chart rendered: the cluster-wide RBAC is enough to sync,
// self-heal, take Leases and record Events; upgrade changes the target; uninstall leaves nothing of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { eventually, kubectl } from '../../support/cluster.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { helmOk } from '../../support/helm.ts';
import {
  canI,
  forbiddenLines,
  installChart,
  renderedConfig,
  runAsRelease,
  syncDone,
  withLoopback,
  type Release,
} from './chart-support.ts';

let server: GitServer;
const { defer } = useCleanups();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
});

const configMap = (name: string, mode: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  mode: ${mode}\n`;
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0.0
`;

type Json = Record<string, unknown>;
const items = async (args: string[]) =>
  (JSON.parse(await kubectl([...args, '-o', 'json'])) as { items: Json[] }).items;

describe('helm install of charts/gitops-agent (cluster RBAC)', () => {
  it('installs; its ServiceAccount syncs, self-heals, holds its Lease and records Events; upgrade changes the target; uninstall removes the agent', async () => {
    const releaseNs = await createTestNamespace('chart');
    const appNs = await createTestNamespace('chart-app');
    defer(
      () => releaseNs.cleanup(),
      () => appNs.cleanup(),
    );
    const release: Release = {
      name: releaseNs.name,
      namespace: releaseNs.name,
      fullname: `${releaseNs.name}-gitops-agent`,
    };
    const repo = await server.createRepo(appNs.name);
    await repo.commit(
      {
        'deploy/settings.yaml': configMap('settings', 'blue'),
        'deploy/web.yaml': deployment,
        'next/other.yaml': configMap('other', 'green'),
        'next/settings.yaml': configMap('settings', 'green'),
      },
      'app',
    );
    const target = {
      name: appNs.name,
      repo: repo.url,
      path: 'deploy',
      namespace: appNs.name,
      interval: '1h',
    };
    const values = {
      replicaCount: 2,
      config: {
        agent: { cluster: 'test', replicas: { mode: 'leader' }, retry: { initial: '1s', max: '3s' } },
        targets: [target],
      },
    };
    defer(
      async () =>
        void (await kubectl([
          'delete',
          'clusterrole,clusterrolebinding',
          release.fullname,
          '--ignore-not-found',
        ])),
    );
    const notes = await installChart(release, values);
    expect(notes).toContain(`kubectl -n ${appNs.name} describe configmap gitops-agent.${appNs.name}`);

    const installed = await items([
      'get',
      'deployment,serviceaccount,configmap,service,poddisruptionbudget',
      '-n',
      release.namespace,
      '-l',
      `app.kubernetes.io/instance=${release.name}`,
    ]);
    expect(installed.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    await kubectl(['get', 'clusterrole,clusterrolebinding', release.fullname]);

    // No more than that: nothing beyond the agent's own objects and the listed kinds, and no privilege verbs;
    // Leases only in the release and inventory namespaces (not kube-system's leader Leases), no Secrets by default.
    const as = `system:serviceaccount:${release.namespace}:${release.fullname}`;
    const all = ['-A'];
    const kubeSystem = ['-n', 'kube-system'];
    const denied = [
      ['update', 'deployments.apps', all],
      ['create', 'pods', all],
      ['create', 'pods', [...all, '--subresource=exec']],
      ['get', 'nodes', all],
      ['create', 'clusterroles.rbac.authorization.k8s.io', all],
      ['bind', 'clusterroles.rbac.authorization.k8s.io', all],
      ['escalate', 'roles.rbac.authorization.k8s.io', all],
      ['impersonate', 'serviceaccounts', all],
      ['create', 'serviceaccounts', [...all, '--subresource=token']],
      ['get', 'customresourcedefinitions.apiextensions.k8s.io', all],
      ['get', 'leases.coordination.k8s.io', all],
      ['update', 'leases.coordination.k8s.io', all],
      ['update', 'leases.coordination.k8s.io', kubeSystem],
      ['delete', 'leases.coordination.k8s.io', kubeSystem],
      ['create', 'leases.coordination.k8s.io', kubeSystem],
      ['get', 'secrets', all],
      ['list', 'secrets', all],
      ['delete', 'secrets', ['-n', appNs.name]],
    ] as const;
    const answer = async (verb: string, resource: string, scope: readonly string[]) =>
      `${verb} ${resource} ${scope.join(' ')}: ${await canI(as, verb, resource, [...scope])}`;
    const answers = await Promise.all(denied.map(([verb, resource, scope]) => answer(verb, resource, scope)));
    expect(answers.filter((a) => !a.endsWith(': no'))).toEqual([]);
    // …and the Leases it does need: the leader Lease in the release namespace, the sync lock in the inventory's.
    const granted = await Promise.all(
      [release.namespace, appNs.name].flatMap((ns) =>
        ['get', 'create', 'update', 'delete'].map((verb) =>
          answer(verb, 'leases.coordination.k8s.io', ['-n', ns]),
        ),
      ),
    );
    expect(granted.filter((a) => !a.endsWith(': yes'))).toEqual([]);

    const { agent } = await runAsRelease(release, defer);
    await agent.waitForLog('the first sync', syncDone(appNs.name, 'synced'), { timeoutMs: 90_000 });
    expect((await getLive('configmap', 'settings', appNs.name)) as Json).toMatchObject({
      data: { mode: 'blue' },
    });
    expect(await getLive('deployment', 'web', appNs.name)).toBeDefined();

    // Self-heal: an edit by someone else is undone with no commit.
    await eventually('/readyz', async () => (await agent.http('/readyz')).status === 200, {
      timeoutMs: 60_000,
    });
    await kubectl([
      'patch',
      'configmap',
      'settings',
      '-n',
      appNs.name,
      '--type=merge',
      '-p',
      '{"data":{"mode":"red"}}',
    ]);
    await eventually(
      'the edit undone',
      async () =>
        ((await getLive('configmap', 'settings', appNs.name)) as { data?: Json })?.data?.mode === 'blue',
      { timeoutMs: 30_000 },
    );

    // Its Leases: the leader Lease in the release namespace, held by this process.
    const leases = await items(['get', 'leases', '-n', release.namespace, '-l', 'gitops-agent.io/lease']);
    expect(leases.map((l) => (l.spec as Json).holderIdentity).filter(Boolean)).toHaveLength(1);
    // Its Events: the sync on the inventory parent and the correction on the edited object.
    const events = await eventually('the agent Events', async () => {
      const evs = await items(['get', 'events.events.k8s.io', '-n', appNs.name]);
      const reasons = new Set(
        evs
          .filter((e) => e.reportingController === 'gitops-agent')
          .map((e) => `${(e.regarding as Json).name}:${e.reason}`),
      );
      return reasons.has(`gitops-agent.${appNs.name}:Synced`) && reasons.size > 1 ? reasons : undefined;
    });
    expect([...events].some((r) => r.startsWith('settings:'))).toBe(true);
    expect(forbiddenLines(agent)).toEqual([]);

    // helm upgrade with a changed target: the ConfigMap changes, the agent (given the new file, as the kubelet
    // would project it) syncs the new path and prunes what left (the Deployment: 1 of 2, within prune.maxShare).
    const before = agent.rawLines.length;
    await installChart(
      release,
      { ...values, config: { ...values.config, targets: [{ ...target, path: 'next' }] } },
      true,
    );
    const upgraded = await renderedConfig(release);
    expect((upgraded.targets as Json[])[0]).toMatchObject({ path: 'next' });
    await agent.writeConfig(withLoopback(upgraded));
    await agent.waitForLog('the sync of the new path', syncDone(appNs.name, 'synced'), {
      from: before,
      timeoutMs: 60_000,
    });
    await eventually(
      'the new path applied and the old pruned',
      async () =>
        (await getLive('configmap', 'other', appNs.name)) !== undefined &&
        ((await getLive('configmap', 'settings', appNs.name)) as { data?: Json })?.data?.mode === 'green' &&
        (await getLive('deployment', 'web', appNs.name)) === undefined,
    );
    expect(forbiddenLines(agent)).toEqual([]);
    expect((await agent.stop()).code).toBe(0);

    // helm uninstall: nothing the chart installed is left; the targets' objects and their inventory stay, as
    // docs/operations.md says.
    await helmOk(['uninstall', release.name, '-n', release.namespace, '--wait']);
    const left = await items([
      'get',
      'all,configmap,serviceaccount,role,rolebinding,poddisruptionbudget,lease',
      '-n',
      release.namespace,
      '-l',
      `app.kubernetes.io/instance=${release.name}`,
    ]);
    expect(left).toEqual([]);
    // The agent deleted its leader Lease when it stopped (released first, so a waiting replica takes over at once).
    expect(await items(['get', 'leases', '-n', release.namespace])).toEqual([]);
    const cluster = await items([
      'get',
      'clusterrole,clusterrolebinding',
      '-l',
      `app.kubernetes.io/instance=${release.name}`,
    ]);
    expect(cluster).toEqual([]);
    const leaseRoles = await items([
      'get',
      'role,rolebinding',
      '-n',
      appNs.name,
      '-l',
      `app.kubernetes.io/instance=${release.name}`,
    ]);
    expect(leaseRoles).toEqual([]);
    expect(await getLive('configmap', 'other', appNs.name)).toBeDefined();
    expect(await getLive('configmap', `gitops-agent.${appNs.name}`, appNs.name)).toBeDefined();
  });
});
