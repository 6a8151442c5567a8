import type { RendererInfo } from '../core/render-spec.ts';
import type { Manifest, SyncTarget } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import { fetchSource, type SourceOptions } from '../source/source.ts';
import { renderTarget } from '../render/target.ts';
import { renderOptionsOf, sourceOptionsOf } from './source-render.ts';

/** What a target's commit renders to, as a sync would apply it (before the ApplySet label). */
export interface Preview {
  commit: string;
  manifests: Manifest[];
  renderer: RendererInfo;
}

/** Runs only the source and render stages of a sync: reads the commit and renders it, changing nothing. */
export async function previewRender(
  target: SyncTarget,
  deps: { kube: Kube; cacheDir: string; auth?: SourceOptions['auth'] },
  signal?: AbortSignal,
): Promise<Preview> {
  const snapshot = await fetchSource(sourceOptionsOf(target, deps, signal));
  const rendered = await renderTarget(snapshot, await renderOptionsOf(target, deps.kube, deps.auth, signal));
  return { commit: snapshot.commit, ...rendered };
}
