import { createHash } from 'node:crypto';
import type { Manifest, SourceSnapshot, SyncTarget } from '../core/types.ts';
import type { RendererInfo } from '../core/render-spec.ts';
import { AgentError } from '../core/errors.ts';
import type { ClusterInfo } from '../render/helm.ts';

/**
 * The last render of one target, kept by whoever runs it repeatedly (the agent keeps one per target): the
 * manifests, or the manifest error, of the files last read.
 */
export interface RenderCache {
  last?: { key: string; manifests: Manifest[]; renderer?: RendererInfo } | { key: string; error: AgentError };
}

/**
 * The key of a render: everything render reads, the files under the path by content, the target's path
 * and default namespace, and for a chart the cluster's version and API versions. A new commit that leaves the path's files alone has the same key, as the tree of
 * the path would.
 */
export function renderKey(
  snapshot: SourceSnapshot,
  target: Pick<SyncTarget, 'path' | 'namespace'> & Partial<Pick<SyncTarget, 'name' | 'render'>>,
  cluster?: ClusterInfo,
): string {
  const h = createHash('sha256').update(`${target.path}\0${target.namespace}\0`);
  // A chart reads .Capabilities: after a cluster upgrade (or a new CRD) the same commit renders anew.
  if (cluster) h.update(`${clusterFingerprint(cluster)}\0`);
  // How a path renders is part of what was read: another mode, values or release name is another render.
  if (target.render) h.update(`${target.name ?? ''}\0${JSON.stringify(target.render)}\0`);
  const files = [...snapshot.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of files) h.update(`${f.path}\0${f.content.length}\0`).update(f.content);
  return h.digest('base64url');
}

/**
 * Renders through the cache: the same key returns the last manifests (or throws the last manifest error)
 * without parsing; a new key renders and remembers. Retryable errors are not remembered.
 */
export async function renderCached(
  cache: RenderCache | undefined,
  key: string,
  render: () => Promise<{ manifests: Manifest[]; renderer?: RendererInfo }>,
): Promise<{ manifests: Manifest[]; renderer?: RendererInfo; reused: boolean }> {
  const last = cache?.last;
  if (last?.key === key) {
    if ('error' in last) throw last.error;
    return { manifests: last.manifests, renderer: last.renderer, reused: true };
  }
  try {
    const { manifests, renderer } = await render();
    if (cache) cache.last = { key, manifests, renderer };
    return { manifests, renderer, reused: false };
  } catch (err) {
    // Only what a new commit must fix is remembered: a bad manifest, never a failure of the API server.
    if (cache && err instanceof AgentError && !err.retryable) cache.last = { key, error: err };
    throw err;
  }
}

/** A short hash of what a chart reads of the cluster (its version and API versions, in any order). */
export function clusterFingerprint(cluster: ClusterInfo): string {
  const text = `${cluster.kubeVersion}\0${[...cluster.apiVersions].sort().join(',')}`;
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}
