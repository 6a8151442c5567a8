import { normalizeRepoPath } from '../core/paths.ts';
import type { RenderSpec, RendererInfo } from '../core/render-spec.ts';
import type { GitAuth, Manifest, SourceSnapshot } from '../core/types.ts';
import { detectMode } from './detect.ts';
import { helmTemplate, type ClusterInfo } from './helm.ts';
import { kustomizeBuild } from './kustomize.ts';
import { render, renderFiles, type RenderOptions } from './render.ts';
import { DEFAULT_TOOL_LIMITS } from './tools.ts';

/** What renderTarget needs besides RenderOptions. */
export interface TargetRenderOptions extends RenderOptions {
  /** How to render. Default `{ mode: 'auto' }`. */
  spec?: RenderSpec;
  /** The target's name: the Helm release name when the spec names none. */
  name: string;
  /** The cluster's version and API versions, asked only when a chart is rendered. */
  cluster: () => Promise<ClusterInfo>;
  /** The target's Git credentials, for remote bases on allow-listed hosts. */
  auth?: GitAuth;
  /** The target's repository URL: remote bases may use http only when it does. */
  repoUrl?: string;
  /** Stops a running tool. */
  signal?: AbortSignal;
  /** Parent of the tools' sandbox directories. Default the OS temp dir. */
  tempDir?: string;
}

/** The objects of a target and the tool that rendered them. */
export interface Rendered {
  manifests: Manifest[];
  renderer: RendererInfo;
}

/**
 * Renders a target's path with the tool its spec names (or `auto` detects), then reads the output as plain
 * YAML, so rendered objects get the same validation, scope and duplicate checks as committed ones.
 */
export async function renderTarget(
  snapshot: SourceSnapshot,
  options: TargetRenderOptions,
): Promise<Rendered> {
  const requested = options.spec?.mode ?? 'auto';
  const mode = requested === 'auto' ? detectMode(snapshot.files, options.path) : requested;
  if (mode === 'plain') return { manifests: await render(snapshot, options), renderer: { tool: 'plain' } };
  const tool = {
    limits: { ...DEFAULT_TOOL_LIMITS, ...options.spec?.limits },
    signal: options.signal,
    tempDir: options.tempDir,
  };
  const path = normalizeRepoPath(options.path);
  const output =
    mode === 'kustomize'
      ? await kustomizeBuild(snapshot.files, path, {
          ...tool,
          spec: options.spec?.kustomize,
          auth: options.auth,
          allowHttp: options.repoUrl?.startsWith('http://') === true,
          repoOrigin:
            options.repoUrl && URL.canParse(options.repoUrl) ? new URL(options.repoUrl).origin : undefined,
        })
      : await helmTemplate(snapshot.files, path, {
          ...tool,
          spec: options.spec?.helm,
          defaultReleaseName: options.name,
          namespace: options.defaultNamespace,
          cluster: await options.cluster(),
        });
  return { manifests: await renderFiles(output.files, options), renderer: output.renderer };
}
