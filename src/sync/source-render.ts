import type { GitAuth, SourceSnapshot, SyncTarget } from '../core/types.ts';
import type { SourceOptions } from '../source/source.ts';
import { detectMode, TOOL_MARKERS } from '../render/detect.ts';
import type { ClusterInfo } from '../render/helm.ts';
import type { TargetRenderOptions } from '../render/target.ts';
import type { Kube } from '../kube/objects.ts';

/** What the source stage is asked for a target: its path, or the whole repository for Kustomize and Helm. */
export function sourceOptionsOf(
  target: SyncTarget,
  deps: { cacheDir: string; auth?: SourceOptions['auth'] },
  signal: AbortSignal | undefined,
): SourceOptions {
  return {
    url: target.url,
    ref: target.ref,
    path: target.path,
    cacheDir: deps.cacheDir,
    auth: deps.auth,
    target: target.name,
    signal,
    ...target.limits,
    wholeRepository: wholeRepository(target),
  };
}

/** What the render stage is given for a target: its spec, the cluster's scopes, version and API versions. */
export async function renderOptionsOf(
  target: SyncTarget,
  kube: Kube,
  auth: SourceOptions['auth'],
  signal: AbortSignal | undefined,
  cluster?: ClusterInfo,
): Promise<TargetRenderOptions> {
  const credentials: GitAuth | undefined = typeof auth === 'function' ? await auth() : auth;
  return {
    path: target.path,
    defaultNamespace: target.namespace,
    scopeOf: kube.discovery.scopeOf,
    limits: target.limits,
    spec: target.render,
    name: target.name,
    cluster: cluster ? async () => cluster : () => clusterInfo(kube),
    auth: credentials,
    repoUrl: target.url,
    signal,
  };
}

/** The cluster a target's chart is rendered for, or undefined when the target renders no chart at this commit. */
export async function chartCluster(
  target: SyncTarget,
  snapshot: SourceSnapshot,
  kube: Kube,
): Promise<ClusterInfo | undefined> {
  const mode = target.render?.mode ?? 'auto';
  const resolved = mode === 'auto' ? detectMode(snapshot.files, target.path) : mode;
  return resolved === 'helm' ? clusterInfo(kube) : undefined;
}

/** The cluster's version and API versions, from discovery, as a chart sees them. */
export async function clusterInfo(kube: Kube): Promise<ClusterInfo> {
  return {
    kubeVersion: await kube.discovery.serverVersion(),
    apiVersions: await kube.discovery.apiVersions(),
  };
}

// Kustomize and Helm read the whole repository (`../base`, env files, templates); plain YAML only its path.
function wholeRepository(target: SyncTarget): boolean | readonly string[] {
  const mode = target.render?.mode ?? 'auto';
  return mode === 'auto' ? TOOL_MARKERS : mode !== 'plain';
}
