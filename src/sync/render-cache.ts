import { createHash } from 'node:crypto';
import type { Manifest, SourceSnapshot, SyncTarget } from '../core/types.ts';
import { AgentError } from '../core/errors.ts';

/**
 * The last render of one target, kept by whoever runs it repeatedly (the agent keeps one per target): the
 * manifests, or the manifest error, of the files last read.
 */
export interface RenderCache {
  last?: { key: string; manifests: Manifest[] } | { key: string; error: AgentError };
}

/**
 * The key of a render: everything render reads, the files under the path by content and the target's path
 * and default namespace. A new commit that leaves the path's files alone has the same key, as the tree of
 * the path would.
 */
export function renderKey(snapshot: SourceSnapshot, target: Pick<SyncTarget, 'path' | 'namespace'>): string {
  const h = createHash('sha256').update(`${target.path}\0${target.namespace}\0`);
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
  render: () => Promise<Manifest[]>,
): Promise<{ manifests: Manifest[]; reused: boolean }> {
  const last = cache?.last;
  if (last?.key === key) {
    if ('error' in last) throw last.error;
    return { manifests: last.manifests, reused: true };
  }
  try {
    const manifests = await render();
    if (cache) cache.last = { key, manifests };
    return { manifests, reused: false };
  } catch (err) {
    // Only what a new commit must fix is remembered: a bad manifest, never a failure of the API server.
    if (cache && err instanceof AgentError && !err.retryable) cache.last = { key, error: err };
    throw err;
  }
}
