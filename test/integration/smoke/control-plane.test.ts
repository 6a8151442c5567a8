// Proves the integration fixture is a real control plane: the pinned version, Deployments that really roll out
// (controller-manager, scheduler and kwok at work) and server-side apply with server defaulting.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiRequest, eventually, kubeVersion, kubectl } from '../../support/cluster.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import type { TestNamespace } from '../../support/namespace.ts';

interface Deployment {
  metadata: { name: string; namespace: string; uid?: string };
  spec: {
    replicas: number;
    strategy?: { type?: string };
    template: { spec: { containers: Record<string, unknown>[] } };
  };
  status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
}

function deployment(namespace: string, name: string, replicas: number): object {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    },
  };
}

describe('control plane fixture', () => {
  let ns: TestNamespace;
  beforeEach(async () => {
    ns = await createTestNamespace('smoke');
  });
  afterEach(async () => {
    await ns.cleanup();
  });

  it('serves the pinned Kubernetes version', async () => {
    const res = await apiRequest('GET', '/version');
    expect(res.status).toBe(200);
    const version = res.json as { gitVersion: string; major: string; minor: string };
    expect(version.gitVersion).toMatch(/^v1\.32\.\d+$/);
    expect(version).toMatchObject({ major: '1', minor: '32' });
    expect(kubeVersion()).toBe(version.gitVersion);
  });

  it('rolls a Deployment out to Available on the kwok node', async () => {
    const path = `/apis/apps/v1/namespaces/${ns.name}/deployments`;
    const created = await apiRequest('POST', path, { body: deployment(ns.name, 'web', 2) });
    expect(created.status).toBe(201);

    const available = await eventually(
      'Deployment web to become Available with 2 replicas',
      async () => {
        const d = (await apiRequest('GET', `${path}/web`)).json as Deployment;
        const condition = d.status?.conditions?.find((c) => c.type === 'Available');
        return condition?.status === 'True' && d.status?.availableReplicas === 2 && d;
      },
      { timeoutMs: 90_000 },
    );
    expect(available.status?.availableReplicas).toBe(2);

    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', ns.name, '-l', 'app=web', '-o', 'json'])) as {
      items: { spec: { nodeName?: string }; status: { phase: string; podIP?: string } }[];
    };
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec.nodeName).toBe('kwok-node-0');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.244\./);
    }
  });

  it('returns server-defaulted fields for a server-side-apply dry run without creating the object', async () => {
    const path = `/apis/apps/v1/namespaces/${ns.name}/deployments/dry`;
    const res = await apiRequest('PATCH', `${path}?dryRun=All&fieldManager=smoke-test&force=true`, {
      body: deployment(ns.name, 'dry', 1),
      contentType: 'application/apply-patch+yaml',
    });
    expect(res.status, res.body).toBe(201);
    const applied = res.json as Deployment;
    expect(applied.spec.strategy?.type).toBe('RollingUpdate');
    expect(applied.spec.template.spec.containers[0]).toMatchObject({
      name: 'web',
      image: 'nginx',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
    expect(applied.metadata.uid).toBeTruthy();

    const get = await apiRequest('GET', path);
    expect(get.status).toBe(404);
  });
});
