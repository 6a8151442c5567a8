// Promises (docs/architecture.md): the inventory parent is a KEP-3659 ApplySet parent (ID label, tooling,
// contains-group-kinds and additional-namespaces annotations); a parent with another ID or tooling is refused;
// where RBAC allows only some namespaces, managed objects are listed namespace by namespace.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Kube } from '../../../src/kube/objects.ts';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { apiRequest, kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { expectedApplySetId, readInventory } from '../../support/inventory.ts';
import { TEST_NAMESPACE_LABEL, createTestNamespace } from '../../support/namespace.ts';
import { tapRequests } from '../../support/requests.ts';

const suite = useSyncFixtures();

const cm = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}${namespace ? `, namespace: ${namespace}` : ''} }\ndata: { name: ${name} }\n`;

async function otherNamespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(prefix);
  suite.onCleanup(() => ns.cleanup());
  return ns.name;
}

describe('the inventory parent', () => {
  it('carries the ApplySet ID, tooling, group kinds and additional namespaces of exactly the managed set', async () => {
    const fx = await suite.fixture('parent');
    const other = await otherNamespace('parent-other');
    const role = `${fx.namespace}-viewer`;
    suite.onCleanup(() => kubectl(['delete', 'clusterrole', role, '--ignore-not-found']));
    await fx.repo.commit(
      {
        'deploy/a.yaml': cm('a'),
        'deploy/b.yaml': cm('b', other),
        'deploy/c.yaml': cm('c'),
        'deploy/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: ${role}, labels: { ${TEST_NAMESPACE_LABEL}: "true" } }\nrules: []\n`,
      },
      'three kinds of places',
    );
    expect((await fx.sync()).outcome).toBe('synced');

    const id = expectedApplySetId(`gitops-agent.${fx.namespace}`, fx.namespace);
    const parent = await readInventory(fx.namespace, fx.namespace);
    expect(parent?.id).toBe(id);
    expect(parent?.annotations).toMatchObject({
      'applyset.kubernetes.io/tooling': 'gitops-agent/test',
      'applyset.kubernetes.io/contains-group-kinds': 'ClusterRole.rbac.authorization.k8s.io,ConfigMap',
      'applyset.kubernetes.io/additional-namespaces': other,
    });
    const labelled = async (args: string[]) =>
      (await kubectl(['get', ...args, '-l', `applyset.kubernetes.io/part-of=${id}`, '-o', 'name']))
        .trim()
        .split('\n')
        .filter(Boolean);
    expect((await labelled(['configmap', '-A'])).sort()).toEqual([
      'configmap/a',
      'configmap/b',
      'configmap/c',
    ]);
    expect(await labelled(['clusterrole'])).toEqual([`clusterrole.rbac.authorization.k8s.io/${role}`]);

    await fx.repo.commit({ 'deploy/b.yaml': null, 'deploy/role.yaml': null }, 'back home');
    expect((await fx.sync({}, { prune: { ...fx.target.prune, allowMass: true } })).outcome).toBe('synced');
    const after = await readInventory(fx.namespace, fx.namespace);
    expect(after?.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap');
    expect(after?.annotations['applyset.kubernetes.io/additional-namespaces'] ?? '').toBe('');
    expect(after?.members.map((m) => m.key)).toEqual([
      `/ConfigMap/${fx.namespace}/a`,
      `/ConfigMap/${fx.namespace}/c`,
    ]);
  });

  it.each([
    [
      'another ApplySet ID',
      (_id: string) => ({ id: 'applyset-someone-else-v1', tooling: 'gitops-agent/0.1.0' }),
      (id: string) => `has ApplySet ID "applyset-someone-else-v1", expected "${id}"; refusing to use it`,
    ],
    [
      'another tool',
      (id: string) => ({ id, tooling: 'kubectl/v1.32.2' }),
      () => 'is managed by tooling "kubectl/v1.32.2", not gitops-agent',
    ],
  ])('is refused when it has %s, and nothing is written', async (_what, foreign, message) => {
    const fx = await suite.fixture('foreign-parent');
    const id = expectedApplySetId(`gitops-agent.${fx.namespace}`, fx.namespace);
    const { id: label, tooling } = foreign(id);
    await kubectl(['apply', '--server-side', '--field-manager=someone', '-n', fx.namespace, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `gitops-agent.${fx.namespace}`,
          labels: { 'applyset.kubernetes.io/id': label },
          annotations: { 'applyset.kubernetes.io/tooling': tooling },
        },
      }),
    });
    await fx.repo.commit({ 'deploy/a.yaml': cm('a') }, 'a');

    const r = await fx.sync();

    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('inventory');
    expect(r.error?.message).toBe(`ConfigMap/${fx.namespace}/gitops-agent.${fx.namespace} ${message(id)}`);
    expect(r.methods.PATCH ?? 0).toBe(0);
    expect(await getLive('configmap', 'a', fx.namespace)).toBeUndefined();
    expect(
      (await readInventory(fx.namespace, fx.namespace))?.annotations['applyset.kubernetes.io/tooling'],
    ).toBe(tooling);
  });
});

describe('RBAC that allows only some namespaces', () => {
  it('lists managed objects per namespace when the cluster-wide LIST is forbidden, and still prunes', async () => {
    const fx = await suite.fixture('rbac');
    const other = await otherNamespace('rbac-other');
    const rbac = [fx.namespace, other].flatMap((ns) => [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'configmaps', namespace: ns },
        rules: [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            verbs: ['get', 'list', 'create', 'patch', 'update', 'delete'],
          },
          // The sync lock: a Lease next to the inventory parent (docs/scale-out.md, Permissions).
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'agent', namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: fx.namespace }],
      },
    ]);
    await kubectl(['create', 'serviceaccount', 'agent', '-n', fx.namespace]);
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }),
    });
    const token = await apiRequest('POST', `/api/v1/namespaces/${fx.namespace}/serviceaccounts/agent/token`, {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    });
    expect(token.status).toBe(201);
    const config = parse(await readFile(kubeconfigPath(), 'utf8')) as { users: { user: object }[] };
    config.users[0]!.user = { token: (token.json as { status: { token: string } }).status.token };
    const dir = await mkdtemp(join(tmpdir(), 'gitops-rbac-'));
    suite.onCleanup(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'kubeconfig'), stringify(config), { mode: 0o600 });
    const kube = Kube.load(join(dir, 'kubeconfig'));
    suite.onCleanup(async () => kube.close());
    const tap = tapRequests(kube);
    const lists = () =>
      tap
        .only('LIST')
        .splice(0)
        .map((l) => [l.path, l.status]);

    await fx.repo.commit({ 'deploy/a.yaml': cm('a'), 'deploy/b.yaml': cm('b', other) }, 'two namespaces');
    const first = await fx.sync({}, {}, { kube });
    expect(first.error).toBeUndefined();
    expect(first.outcome).toBe('synced');
    const seen = lists();
    expect(seen).toContainEqual(['/api/v1/configmaps', 403]);
    expect(seen).toContainEqual([`/api/v1/namespaces/${fx.namespace}/configmaps`, 200]);
    expect(seen).toContainEqual([`/api/v1/namespaces/${other}/configmaps`, 200]);
    tap.log.splice(0);

    await fx.repo.commit({ 'deploy/b.yaml': null, 'deploy/c.yaml': cm('c') }, 'b out, c in');
    const second = await fx.sync({}, {}, { kube });
    expect(second.outcome).toBe('synced');
    expect(actions(second)).toEqual({
      'ConfigMap/a': 'unchanged',
      'ConfigMap/b': 'deleted',
      'ConfigMap/c': 'created',
    });
    expect(await getLive('configmap', 'b', other)).toBeUndefined();
    // Once forbidden, the cluster-wide LIST is not tried again by the same client.
    expect(tap.only('LIST').map((l) => l.path)).not.toContain('/api/v1/configmaps');
    tap.restore();
  });
});
