import { formatRef, refOf } from '../core/refs.ts';
import type { KubeObject, Scope, ScopeLookup } from '../core/types.ts';
import { isRecord } from './list.ts';

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

/** Scopes of the kinds the objects use, keyed by `typeKey`; `undefined` when neither the cluster nor a CRD knows it. */
export type ScopeTable = Map<string, Scope | undefined>;

/** The key of one apiVersion and kind in a ScopeTable. */
export function typeKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

/**
 * Asks the cluster once per apiVersion and kind; a kind it does not serve takes its scope from a
 * CustomResourceDefinition among the objects that defines that group, version and kind.
 */
export async function lookupScopes(objects: KubeObject[], scopeOf: ScopeLookup): Promise<ScopeTable> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const { apiVersion, kind } of objects) kinds.set(typeKey(apiVersion, kind), { apiVersion, kind });
  const crds = crdScopes(objects);
  const entries = await Promise.all(
    [...kinds].map(async ([key, { apiVersion, kind }]): Promise<[string, Scope | undefined]> => {
      const scope = (await scopeOf(apiVersion, kind)) ?? crds.get(key);
      return [key, scope];
    }),
  );
  return new Map(entries);
}

/**
 * Gives a namespaced object without a namespace the default one and drops an empty namespace from a
 * cluster-scoped object; returns what is wrong when the scope forbids the object as written.
 */
export function applyScope(
  object: KubeObject,
  table: ScopeTable,
  defaultNamespace: string,
): string | undefined {
  const { apiVersion, kind, metadata } = object;
  const scope = table.get(typeKey(apiVersion, kind));
  const namespace = metadata.namespace ?? '';
  if (scope === undefined) {
    return `no API resource for apiVersion ${apiVersion} kind ${kind} in the cluster or in this commit`;
  }
  if (scope === 'Namespaced') {
    if (namespace === '') metadata.namespace = defaultNamespace;
    return undefined;
  }
  if (namespace !== '') {
    return `${formatRef({ ...refOf(object), namespace: '' })} is cluster-scoped but sets metadata.namespace "${namespace}"`;
  }
  delete metadata.namespace;
  return undefined;
}

function crdScopes(objects: KubeObject[]): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  for (const crd of objects) {
    if (crd.apiVersion !== CRD_API_VERSION || crd.kind !== 'CustomResourceDefinition') continue;
    const spec = crd.spec;
    if (!isRecord(spec) || !isRecord(spec.names) || !Array.isArray(spec.versions)) continue;
    const { group, scope } = spec;
    const kind = spec.names.kind;
    if (typeof group !== 'string' || typeof kind !== 'string') continue;
    if (scope !== 'Namespaced' && scope !== 'Cluster') continue;
    for (const version of spec.versions) {
      if (isRecord(version) && typeof version.name === 'string') {
        scopes.set(typeKey(`${group}/${version.name}`, kind), scope);
      }
    }
  }
  return scopes;
}
