import { join } from 'node:path';
import type { KustomizeSpec } from '../core/render-spec.ts';
import type { GitAuth, SourceFile } from '../core/types.ts';
import { gitAuthEnv, proxyExceptions } from './git-env.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import { kustomizationFile } from './detect.ts';
import { checkKustomizations } from './kustomize-check.ts';
import { runInSandbox } from './run-sandbox.ts';
import type { ToolRenderOptions, ToolOutput } from './tool-output.ts';

/** Options of a Kustomize build, besides the shared tool options. */
export interface KustomizeOptions extends ToolRenderOptions {
  spec?: KustomizeSpec;
  /** The target's Git credentials, sent only to a remote base on the target repository's own origin. */
  auth?: GitAuth;
  /** The target repository's origin (`https://host[:port]`): the only one `auth` is sent to. */
  repoOrigin?: string;
  /** Let remote bases use plain http, as the target's own repository does. Default false: https only. */
  allowHttp?: boolean;
}

/**
 * Runs `kustomize build` on the kustomization at `path`, over the commit's files written into a sandbox with
 * the repository root as the root, after checkKustomizations refused what must not run (no plugins, no Helm,
 * the default LoadRestrictionsRootOnly for files).
 */
export async function kustomizeBuild(
  files: readonly SourceFile[],
  path: string,
  options: KustomizeOptions,
): Promise<ToolOutput> {
  const dir = normalizeRepoPath(path);
  const file =
    kustomizationFile(new Set(files.map((f) => f.path)), dir) ??
    (dir ? `${dir}/kustomization.yaml` : 'kustomization.yaml');
  const check = checkKustomizations(files, dir, options.spec);
  const { stdout, version } = await runInSandbox(
    files,
    {
      tool: 'kustomize',
      what: 'kustomize build',
      file,
      args: (box) => [
        'build',
        dir ? join(box.repo, dir) : box.repo,
        '--load-restrictor',
        'LoadRestrictionsRootOnly',
      ],
      noProxy: proxyExceptions(check.remoteOrigins),
      env: gitAuthEnv(check.remoteOrigins, options.auth, options.allowHttp === true, options.repoOrigin),
      remote: check.remoteOrigins.length > 0,
    },
    options,
  );
  return { files: [{ path: file, content: stdout }], renderer: { tool: 'kustomize', version } };
}
