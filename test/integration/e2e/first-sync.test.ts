import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { expectedApplySetId } from '../../support/inventory.ts';
import { TEST_NAMESPACE_LABEL } from '../../support/namespace.ts';
import { tapRequests, type TappedRequest } from '../../support/requests.ts';

const suite = useSyncFixtures();

/** A full application: Namespace, CRD and one of its resources, ConfigMap, Secret, Service and Deployment. */
function app(ns: string, appNs: string, group: string): Record<string, string> {
  return {
    'deploy/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${appNs}\n  labels: { ${TEST_NAMESPACE_LABEL}: "true" }\n`,
    'deploy/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
  labels: { ${TEST_NAMESPACE_LABEL}: "true" }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, default: 3 }
                color: { type: string, default: blue }
`,
    'deploy/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: sprocket\n  namespace: ${appNs}\nspec:\n  size: 5\n`,
    'deploy/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${appNs} }
data: { greeting: hello }
---
apiVersion: v1
kind: Secret
metadata: { name: credentials, namespace: ${appNs} }
stringData: { password: hunter2 }
`,
    'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${appNs} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${appNs} }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`,
    // Inventory parent lives in the test namespace; nothing of the app goes there.
    'deploy/README.md': `not a manifest: ${ns}`,
  };
}

describe('first sync', () => {
  it('creates every object in stage order and waits until the Deployment is Available', async () => {
    const fx = await suite.fixture('first');
    const appNs = `${fx.namespace}-app`;
    const group = `${fx.namespace}.example.com`;
    suite.onCleanup(() => kubectl(['delete', 'namespace', appNs, '--wait=false']));
    suite.onCleanup(() => kubectl(['delete', 'crd', `widgets.${group}`, '--wait=false']));
    await fx.repo.commit(app(fx.namespace, appNs, group), 'app');

    const tap = tapRequests(fx.kube);
    const r = await fx.sync().finally(() => tap.restore());

    // The writes themselves go in stage order: each stage starts once the one before it has been answered
    // (and, for the CRD, is served), whatever order the result lists them in.
    const writes = tap.only('APPLY').filter((w) => !w.path.includes('/configmaps/gitops-agent.'));
    const to = (...resources: string[]) =>
      writes.filter((w) => resources.includes(w.path.split('/').at(-2) ?? ''));
    const lastEnd = (ws: TappedRequest[]) => Math.max(...ws.map((w) => w.done ?? Infinity));
    const firstStart = (ws: TappedRequest[]) => Math.min(...ws.map((w) => w.seq));
    expect(writes).toHaveLength(7);
    expect(lastEnd(to('namespaces', 'customresourcedefinitions'))).toBeLessThan(
      firstStart(to('secrets', 'configmaps', 'services', 'deployments', 'widgets')),
    );
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('synced');
    expect(r.changes.map((c) => `${c.action} ${c.ref.kind}`)).toEqual([
      'created Namespace',
      'created CustomResourceDefinition',
      'created Secret',
      'created ConfigMap',
      'created Service',
      'created Deployment',
      'created Widget',
    ]);
    expect(r.health).toHaveLength(7);
    expect(r.health.every((h) => h.status === 'Current')).toBe(true);
    const dep = (await getLive('deployment', 'web', appNs)) as { status: { availableReplicas?: number } };
    expect(dep.status.availableReplicas).toBe(2);
    const widget = (await getLive(`widgets.${group}`, 'sprocket', appNs)) as {
      spec: Record<string, unknown>;
    };
    expect(widget.spec).toEqual({ size: 5, color: 'blue' });
    const id = expectedApplySetId(`gitops-agent.${fx.namespace}`, fx.namespace);
    const listed = await kubectl([
      'get',
      'cm,secret,svc,deploy',
      '-n',
      appNs,
      '-l',
      `applyset.kubernetes.io/part-of=${id}`,
      '-o',
      'name',
    ]);
    expect(listed.trim().split('\n').sort()).toEqual([
      'configmap/settings',
      'deployment.apps/web',
      'secret/credentials',
      'service/web',
    ]);
  });
});

describe('second sync of the same commit', () => {
  it('changes nothing and sends no PATCH or DELETE, even for manifests full of server defaults', async () => {
    const fx = await suite.fixture('noop');
    const group = `${fx.namespace}.example.com`;
    const files = app(fx.namespace, `${fx.namespace}-app`, group);
    suite.onCleanup(() => kubectl(['delete', 'namespace', `${fx.namespace}-app`, '--wait=false']));
    suite.onCleanup(() => kubectl(['delete', 'crd', `widgets.${group}`, '--wait=false']));
    files['deploy/statefulset.yaml'] = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers: [{ name: db, image: postgres:16, volumeMounts: [{ name: data, mountPath: /data }] }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
`;
    await fx.repo.commit(files, 'app with defaults');
    // The StatefulSet's claim never binds here (no storage provisioner), so do not wait for health.
    const first = await fx.sync({}, { healthTimeoutSeconds: 0 });
    expect(first.error).toBeUndefined();
    expect(Object.values(actions(first)).every((a) => a === 'created')).toBe(true);

    const second = await fx.sync({}, { healthTimeoutSeconds: 0 });

    expect(second.error).toBeUndefined();
    expect(second.changes).toHaveLength(8);
    expect(second.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(second.methods.PATCH ?? 0).toBe(0);
    expect(second.methods.DELETE ?? 0).toBe(0);
    expect(second.methods.POST ?? 0).toBe(0);
    expect(second.methods.PUT ?? 0).toBe(0);

    // diff dry-runs every object and still finds nothing: normalisation handles the server defaults.
    const full = await fx.sync({ mode: 'diff' });
    expect(full.requests.DRYRUN).toBe(8);
    expect(full.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const cli = await fx.cli('diff');
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('8 unchanged');
  });
});

describe('drift', () => {
  it('shows a field changed with kubectl edit in diff, and sync restores it', async () => {
    const fx = await suite.fixture('drift');
    await fx.repo.commit(
      {
        'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27 }] }
`,
      },
      'web',
    );
    expect((await fx.sync()).outcome).toBe('synced');

    await kubectlEdit(['deployment/web', '-n', fx.namespace], '0,/replicas: 2/s//replicas: 5/');
    expect(
      ((await getLive('deployment', 'web', fx.namespace)) as { spec: { replicas: number } }).spec.replicas,
    ).toBe(5);

    const diff = await fx.cli('diff');
    expect(diff.code).toBe(1);
    const hunks = diff.stdout.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(hunks).toEqual(['-  replicas: 5', '+  replicas: 2']);

    const sync = await fx.sync();
    expect(actions(sync)['Deployment/web']).toBe('configured');
    expect(
      ((await getLive('deployment', 'web', fx.namespace)) as { spec: { replicas: number } }).spec.replicas,
    ).toBe(2);
    const again = await fx.cli('diff');
    expect(again.code).toBe(0);
  });
});

/** Runs the real `kubectl edit` with a sed expression as the editor. */
function kubectlEdit(args: string[], sedExpr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [`--kubeconfig=${kubeconfigPath()}`, 'edit', ...args], {
      env: { ...process.env, KUBE_EDITOR: `sed -i '${sedExpr}'` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl edit failed: ${err}`))));
  });
}
