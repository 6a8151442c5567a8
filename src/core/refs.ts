import type { KubeObject, ObjectKey, ObjectRef } from './types.ts';

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The ObjectRef of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/** The stable key of a ref, `group/Kind/namespace/name`. */
export function objectKey(ref: ObjectRef): ObjectKey {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}` as ObjectKey;
}

/** Parses a key made by `objectKey`. */
export function parseKey(key: ObjectKey | string): ObjectRef {
  const [group = '', kind = '', namespace = '', ...rest] = key.split('/');
  return { group, kind, namespace, name: rest.join('/') };
}

/** `Kind.group` (bare `Kind` for the core group), the ApplySet group-kind form. */
export function groupKind(ref: Pick<ObjectRef, 'group' | 'kind'>): string {
  return ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
}

/** `Kind/namespace/name` (or `Kind/name` when cluster-scoped), the form every message uses. */
export function formatRef(ref: ObjectRef): string {
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  return ref.namespace ? `${kind}/${ref.namespace}/${ref.name}` : `${kind}/${ref.name}`;
}

/**
 * The host and path of an scp-like Git address (`[user@]host:path`, as `git@github.com:acme/deploy.git`), or
 * undefined for anything else, a URL with a scheme included.
 */
export function splitScpAddress(address: string): { host: string; path: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return undefined;
  const m = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(address);
  return m ? { host: m[1]!, path: m[2]! } : undefined;
}
