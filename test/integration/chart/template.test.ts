// The chart through the real helm: lint --strict clean, templates with default and non-default values that
// the agent's own config parser accepts, and bad values rejected by helm with a message naming the value.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseAgentConfig } from '../../../src/agent/config.ts';
import { CHART_DIR, KUBE_VERSION, helm, helmOk } from '../../support/helm.ts';
import { valuesFile } from './chart-support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const target = {
  name: 'web',
  repo: 'https://git.example.com/acme/deploy.git',
  path: 'apps/web',
  namespace: 'web',
};

async function template(values: unknown): Promise<Json[]> {
  const file = await valuesFile(values);
  try {
    const out = await helmOk([
      'template',
      'rel',
      CHART_DIR,
      '-n',
      'agents',
      '--kube-version',
      KUBE_VERSION,
      '-f',
      file.path,
    ]);
    return parseAllDocuments(out)
      .map((d) => d.toJSON() as Json)
      .filter(Boolean);
  } finally {
    await file.dispose();
  }
}

async function rejected(values: unknown): Promise<string> {
  const file = await valuesFile(values);
  try {
    const r = await helm(['template', 'rel', CHART_DIR, '--kube-version', KUBE_VERSION, '-f', file.path]);
    expect(r.code).not.toBe(0);
    return r.stderr;
  } finally {
    await file.dispose();
  }
}

const byKind = (docs: Json[], kind: string) => docs.filter((d) => d.kind === kind);
const configOf = (docs: Json[]) => byKind(docs, 'ConfigMap')[0]!.data['agent.yaml'] as string;
const everyRule = (docs: Json[]) =>
  docs.filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole').flatMap((d) => d.rules as Json[]);

describe('helm lint and helm template of charts/gitops-agent', () => {
  it('lints clean with --strict (ci/default-values.yaml)', async () => {
    const out = await helmOk([
      'lint',
      '--strict',
      CHART_DIR,
      '-f',
      `${CHART_DIR}/ci/default-values.yaml`,
      '--kube-version',
      KUBE_VERSION,
    ]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('renders the defaults (plus one target) as a hardened single replica with cluster RBAC and no wildcard', async () => {
    const docs = await template({ config: { targets: [target] } });
    expect(docs.map((d) => d.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    for (const d of docs)
      expect(d.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'gitops-agent',
        'app.kubernetes.io/instance': 'rel',
        'app.kubernetes.io/managed-by': 'Helm',
      });
    const pod = byKind(docs, 'Deployment')[0]!.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
    expect(c.resources.limits.memory).toBe('1Gi');
    // 4 renders at 160 MiB each + 384 MiB for the agent fit in 1 GiB: a hostile render fails, not the pod.
    expect(c.env).toContainEqual({ name: 'GITOPS_AGENT_RENDER_MEMORY', value: String(160 * 2 ** 20) });
    expect(c.env.map((e: Json) => e.name)).toContain('POD_NAMESPACE');
    expect(pod.volumes.find((v: Json) => v.name === 'cache').emptyDir).toBeDefined();
    // /tmp holds a repository copy (up to 64 MiB) per concurrent render, and remote bases.
    expect(pod.volumes.find((v: Json) => v.name === 'tmp').emptyDir).toEqual({ sizeLimit: '512Mi' });
    // The file in the ConfigMap is one the agent itself accepts, with the cache on the emptyDir.
    const config = parseAgentConfig(configOf(docs), 'rendered agent.yaml');
    expect(config.agent.cacheDir).toBe(c.volumeMounts.find((m: Json) => m.name === 'cache').mountPath);
    expect(config.targets[0]!.target).toMatchObject({ name: 'web', path: 'apps/web', namespace: 'web' });
    expect(everyRule(docs).flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs])).not.toContain('*');
    // Leases only by Roles in the release namespace and the target's (its inventory's), Secrets nowhere.
    const resources = (d: Json) => (d.rules as Json[]).flatMap((r) => r.resources as string[]);
    expect(resources(byKind(docs, 'ClusterRole')[0]!)).not.toContain('leases');
    expect(byKind(docs, 'Role').map((r) => [r.metadata.namespace, resources(r).join(',')])).toEqual([
      ['agents', 'leases'],
      ['web', 'leases'],
    ]);
    expect(everyRule(docs).flatMap((r) => r.resources)).not.toContain('secrets');
  });

  it('grants Leases in each inventoryNamespace and the replicas namespace, and Secrets only through extraRules', async () => {
    const docs = await template({
      rbac: {
        managed: { extraRules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'] }] },
      },
      config: {
        agent: { replicas: { mode: 'leader', namespace: 'leases' } },
        targets: [
          { ...target, inventoryNamespace: 'inventories' },
          { name: 'api', repo: target.repo, namespace: 'api' },
        ],
      },
    });
    expect(
      byKind(docs, 'Role')
        .map((r) => r.metadata.namespace)
        .sort(),
    ).toEqual(['api', 'inventories', 'leases']);
    expect(byKind(docs, 'RoleBinding').map((b) => b.roleRef.name)).toEqual(
      Array(3).fill('rel-gitops-agent-leases'),
    );
    expect(byKind(docs, 'ClusterRole')[0]!.rules).toContainEqual({
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'patch'],
    });
    expect(
      await rejected({
        rbac: { managed: { extraRules: [{ apiGroups: [''], resources: ['*'] }] } },
        config: { targets: [target] },
      }),
    ).toContain('rbac.managed.extraRules[0] grants "*"');
  });

  it('renders non-default values: namespaced Roles, leader replicas with a PDB, ServiceMonitor, Ingress, Secret files', async () => {
    const docs = await template({
      replicaCount: 3,
      rbac: { scope: 'namespaced', namespaces: ['web', 'api'] },
      secrets: { git: ['acme-git'], webhook: ['hook'] },
      serviceMonitor: { enabled: true },
      ingress: { enabled: true, host: 'agent.example.com' },
      config: {
        agent: { cluster: 'prod', listen: '0.0.0.0:8080', replicas: { mode: 'leader', namespace: 'api' } },
        targets: [
          { ...target, auth: { tokenFile: '/var/run/secrets/gitops-agent/git/acme-git/token' } },
          { name: 'api', repo: target.repo, namespace: 'api', interval: '5m' },
        ],
      },
    });
    expect(byKind(docs, 'ClusterRole')).toEqual([]);
    expect(
      byKind(docs, 'Role')
        .map((r) => r.metadata.namespace)
        .sort(),
    ).toEqual(['agents', 'api', 'web']);
    expect(byKind(docs, 'RoleBinding')).toHaveLength(3);
    // The release namespace gets only the agent's own objects; the managed kinds only where targets live.
    const own = byKind(docs, 'Role').find((r) => r.metadata.namespace === 'agents')!;
    expect(own.rules.flatMap((r: Json) => r.resources)).not.toContain('deployments');
    expect(
      byKind(docs, 'Role')
        .find((r) => r.metadata.namespace === 'web')!
        .rules.flatMap((r: Json) => r.resources),
    ).toContain('deployments');
    expect(byKind(docs, 'PodDisruptionBudget')[0]!.spec.minAvailable).toBe(1);
    expect(byKind(docs, 'ServiceMonitor')[0]!.spec.endpoints[0]).toMatchObject({
      port: 'http',
      path: '/metrics',
    });
    expect(byKind(docs, 'Ingress')[0]!.spec.rules[0].http.paths.map((p: Json) => p.path)).toEqual(['/hooks']);
    const c = byKind(docs, 'Deployment')[0]!.spec.template.spec.containers[0];
    expect(c.ports[0].containerPort).toBe(8080);
    expect(c.volumeMounts.map((m: Json) => m.mountPath)).toEqual(
      expect.arrayContaining([
        '/var/run/secrets/gitops-agent/git/acme-git',
        '/var/run/secrets/gitops-agent/webhook/hook',
      ]),
    );
    const config = parseAgentConfig(configOf(docs), 'rendered agent.yaml');
    expect(config.targets.map((t) => t.intervalMs)).toEqual([60_000, 300_000]);
    expect(config.agent.replicas.mode).toBe('leader');
  });

  it('rejects bad values through the schema and the templates, each message naming the value', async () => {
    expect(await rejected({ config: { targets: [{ ...target, intervall: '1m' }] } })).toContain(
      "at '/config/targets/0': additional properties 'intervall' not allowed",
    );
    expect(await rejected({ config: { targets: [] } })).toContain(
      "at '/config/targets': minItems: got 0, want 1",
    );
    expect(await rejected({ config: { targets: [{ ...target, name: 'Web' }] } })).toContain(
      "at '/config/targets/0/name'",
    );
    expect(await rejected({ rbac: { scope: 'everywhere' }, config: { targets: [target] } })).toContain(
      "at '/rbac/scope'",
    );
    expect(await rejected({ replicaCount: 2, config: { targets: [target] } })).toContain(
      'replicaCount is 2 but config.agent.replicas.mode is "single"',
    );
    expect(
      await rejected({
        rbac: { managed: { rules: [{ apiGroups: ['*'], resources: ['*'] }] } },
        config: { targets: [target] },
      }),
    ).toContain('rbac.managed.rules[0] grants "*"');
    expect(
      await rejected({ rbac: { scope: 'namespaced', namespaces: ['api'] }, config: { targets: [target] } }),
    ).toContain('config.targets[0] (web): namespace "web" is not in rbac.namespaces');
    expect(
      await rejected({
        rbac: { scope: 'namespaced', namespaces: ['web'] },
        config: { agent: { replicas: { namespace: 'elsewhere' } }, targets: [target] },
      }),
    ).toContain(
      'config.agent.replicas.namespace "elsewhere" is neither the release namespace "default" nor in rbac.namespaces [web]',
    );
  });

  it('fits the renders in the memory limit: concurrency × render cap + agent memory, or the render fails', async () => {
    const env = async (values: Json) =>
      byKind(await template(values), 'Deployment')[0]!.spec.template.spec.containers[0].env as Json[];
    expect(
      await env({
        resources: { limits: { memory: '2G' } },
        render: { maxMemory: 400_000_000, agentMemory: '400M' },
        config: { targets: [target] },
      }),
    ).toContainEqual({ name: 'GITOPS_AGENT_RENDER_MEMORY', value: '400000000' });
    // No memory limit: nothing to fit in, the cap still applies.
    expect(await env({ resources: { limits: {} }, config: { targets: [target] } })).toContainEqual({
      name: 'GITOPS_AGENT_RENDER_MEMORY',
      value: String(160 * 2 ** 20),
    });
    expect(
      await rejected({ resources: { limits: { memory: '512Mi' } }, config: { targets: [target] } }),
    ).toContain(
      'resources.limits.memory 512Mi is below what the agent may use: config.agent.concurrency 4 × the render memory cap (render.maxMemory 160Mi) + render.agentMemory 384Mi = 1024 MiB',
    );
    expect(
      await rejected({
        config: { agent: { concurrency: 8 }, targets: [target] },
      }),
    ).toContain('config.agent.concurrency 8 ×');
    expect(
      await rejected({
        config: { targets: [{ ...target, render: { limits: { maxMemoryBytes: 2 ** 30 } } }] },
      }),
    ).toContain('(target web render.limits.maxMemoryBytes 1073741824)');
    expect(await rejected({ render: { maxMemory: '1.5Gi' }, config: { targets: [target] } })).toContain(
      'render.maxMemory is "1.5Gi": give a whole number of bytes',
    );
  });

  it('sizes /tmp from tmp.sizeLimit, and refuses one too small for concurrency repository copies', async () => {
    const tmp = async (values: Json) =>
      byKind(await template(values), 'Deployment')[0]!.spec.template.spec.volumes.find(
        (v: Json) => v.name === 'tmp',
      ).emptyDir as Json;
    expect(await tmp({ tmp: { sizeLimit: '2Gi' }, config: { targets: [target] } })).toEqual({
      sizeLimit: '2Gi',
    });
    expect(
      await tmp({ tmp: { sizeLimit: '192Mi' }, config: { agent: { concurrency: 1 }, targets: [target] } }),
    ).toEqual({ sizeLimit: '192Mi' });
    expect(await rejected({ tmp: { sizeLimit: '256Mi' }, config: { targets: [target] } })).toContain(
      'tmp.sizeLimit 256Mi is below config.agent.concurrency 4 × 64 MiB (a repository copy per render) + 128 MiB = 384 MiB',
    );
  });

  it('grants everything only when asked: rbac.managed.wildcard', async () => {
    const docs = await template({ rbac: { managed: { wildcard: true } }, config: { targets: [target] } });
    expect(everyRule(docs)).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });
});
