import { join } from 'node:path';
import type { KustomizeSpec } from '../core/render-spec.ts';
import type { GitAuth, SourceFile } from '../core/types.ts';
import { gitAuthEnv, proxyExceptions } from './git-env.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import { kustomizationFile } from './detect.ts';
import { checkKustomizations } from './kustomize-check.ts';
import { runTool } from './run-tool.ts';
import { createSandbox } from './sandbox.ts';
import { toolError } from './tool-errors.ts';
import { toolBinary, toolEnv, toolVersion } from './tools.ts';
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
  const box = await createSandbox(files, options.tempDir);
  try {
    const env = {
      ...(await toolEnv(box.dir, proxyExceptions(check.remoteOrigins))),
      ...gitAuthEnv(check.remoteOrigins, options.auth, options.allowHttp === true, options.repoOrigin),
    };
    const binary = toolBinary('kustomize');
    const version = await toolVersion(binary, 'kustomize', env, box.dir);
    const outcome = await runTool({
      binary,
      args: ['build', dir ? join(box.repo, dir) : box.repo, '--load-restrictor', 'LoadRestrictionsRootOnly'],
      cwd: box.repo,
      env,
      ...options.limits,
      signal: options.signal,
    });
    if (!outcome.ok)
      throw toolError(outcome, {
        what: 'kustomize build',
        file,
        ...options.limits,
        toRepoPaths: box.toRepoPaths,
        remote: check.remoteOrigins.length > 0,
      });
    return { files: [{ path: file, content: outcome.stdout }], renderer: { tool: 'kustomize', version } };
  } finally {
    await box.dispose();
  }
}
