// The benchmark workload: N objects (Namespaces, one CRD, ConfigMaps, Secrets, Services, Deployments and
// custom resources) spread over a few namespaces, as one YAML file per object.
import { stringify } from 'yaml';
import type { KubeObject } from '../src/core/types.ts';

/** One generated copy of the workload, with its objects and their files. */
export interface Workload {
  /** Namespaces of the copy, in creation order. */
  namespaces: string[];
  /** API group of the copy's CRD. */
  group: string;
  /** Namespaces and the CRD: what must exist before the other objects can be applied. */
  prereqs: KubeObject[];
  /** Every other object. */
  members: KubeObject[];
  /** Repository path of each member, by index into `members`. */
  paths: string[];
  /** Indexes into `members` of the 10% removed by the prune step. */
  pruned: number[];
  /** Index into `members` of a ConfigMap for the one-object change and drift steps. */
  probe: number;
}

/** How one copy is named: a namespace prefix and a CRD group, so copies never collide. */
export interface CopyNames {
  namespacePrefix: string;
  group: string;
  namespaces: number;
}

// Shares of the namespaced objects; Deployments stay few so every copy's pods fit on the kwok node.
const MIX: [kind: string, weight: number][] = [
  ['ConfigMap', 30],
  ['Secret', 20],
  ['Service', 16],
  ['Deployment', 4],
  ['Widget', 30],
];

/** Generates a copy of `total` objects (prereqs included) with the given names. */
export function generate(total: number, names: CopyNames): Workload {
  const namespaces = Array.from(
    { length: names.namespaces },
    (_, i) => `${names.namespacePrefix}-${String(i).padStart(2, '0')}`,
  );
  const prereqs: KubeObject[] = [
    ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    crd(names.group),
  ];
  const count = Math.max(0, total - prereqs.length);
  const kinds = spread(count);
  const members: KubeObject[] = [];
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i] ?? 'ConfigMap';
    const ns = namespaces[i % namespaces.length] ?? 'default';
    const name = `${kind.toLowerCase()}-${String(i).padStart(5, '0')}`;
    members.push(object(kind, ns, name, names.group, i));
    paths.push(`manifests/${ns.slice(names.namespacePrefix.length + 1)}/${name}.yaml`);
  }
  const pruned = members.map((_, i) => i).filter((i) => i % 10 === 5);
  const probe = kinds.findIndex((k, i) => k === 'ConfigMap' && !pruned.includes(i));
  return { namespaces, group: names.group, prereqs, members, paths, pruned, probe };
}

/** The workload as repository files: one file per object under `manifests/`. */
export function toFiles(w: Workload, extraLabels: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  w.prereqs.forEach((o, i) => (files[`manifests/_prereqs/${String(i).padStart(2, '0')}.yaml`] = yaml(o)));
  w.members.forEach((o, i) => (files[w.paths[i] ?? ''] = yaml(withLabels(o, extraLabels))));
  return files;
}

/** YAML of one object, as committed. */
export function yaml(o: KubeObject): string {
  return stringify(o, { lineWidth: 0 });
}

/** A copy of an object with extra labels merged in. */
export function withLabels(o: KubeObject, labels: Record<string, string>): KubeObject {
  if (Object.keys(labels).length === 0) return o;
  return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...labels } } };
}

// Interleaves kinds by weight so every namespace gets every kind.
function spread(count: number): string[] {
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  const out: string[] = [];
  const credit = MIX.map(() => 0);
  for (let i = 0; i < count; i++) {
    MIX.forEach(([, w], k) => (credit[k] = (credit[k] ?? 0) + w));
    let best = 0;
    credit.forEach((c, k) => (c > (credit[best] ?? 0) ? (best = k) : undefined));
    credit[best] = (credit[best] ?? 0) - total;
    out.push(MIX[best]?.[0] ?? 'ConfigMap');
  }
  return out;
}

function object(kind: string, namespace: string, name: string, group: string, i: number): KubeObject {
  const metadata = { name, namespace, labels: { 'app.kubernetes.io/name': name, bench: 'gitops-agent' } };
  const text = (k: string): string => `${k}-${i}-`.repeat(8);
  switch (kind) {
    case 'Secret':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        type: 'Opaque',
        data: { password: Buffer.from(text('pw')).toString('base64') },
      };
    case 'Service':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      };
    case 'Deployment':
      return {
        apiVersion: 'apps/v1',
        kind,
        metadata,
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'registry.k8s.io/pause:3.10',
                  env: [{ name: 'INDEX', value: String(i) }],
                },
              ],
            },
          },
        },
      };
    case 'Widget':
      return { apiVersion: `${group}/v1`, kind, metadata, spec: { size: (i % 9) + 1, color: 'green' } };
    default:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { key: 'value', text: text('cm') } };
  }
}

function crd(group: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' }, color: { type: 'string' } },
                },
              },
            },
          },
        },
      ],
    },
  };
}
