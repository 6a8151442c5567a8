import type { SourceFile } from '../core/types.ts';
import { runTool } from './run-tool.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';
import { toolError } from './tool-errors.ts';
import type { ToolRenderOptions } from './tool-output.ts';
import { toolBinary, toolEnv, toolVersion } from './tools.ts';

/** One tool run over a commit's files. */
export interface SandboxRun {
  tool: 'kustomize' | 'helm';
  /** `kustomize build` or `helm template`, for messages. */
  what: string;
  /** The kustomization or Chart.yaml run on, named by errors. */
  file: string;
  /** The tool's arguments, given the sandbox (paths into it, extra files written to it). */
  args: (box: Sandbox) => string[] | Promise<string[]>;
  /** `host[:port]` the tool may reach past the closed proxy. Default none. */
  noProxy?: readonly string[];
  /** Variables added to the tool's environment (git's config). Default none. */
  env?: Record<string, string>;
  /** The run fetches remote bases: a failure may be the network's. Default false. */
  remote?: boolean;
}

/**
 * Writes `files` into a new sandbox, runs the tool there with its own environment and the limits, and removes
 * the sandbox whatever happened; returns the tool's stdout and version, or throws its RenderToolError.
 */
export async function runInSandbox(
  files: readonly SourceFile[],
  run: SandboxRun,
  options: ToolRenderOptions,
): Promise<{ stdout: Buffer; version: string }> {
  const box = await createSandbox(files, options.tempDir);
  try {
    const env = { ...(await toolEnv(box.dir, run.noProxy)), ...run.env };
    const binary = toolBinary(run.tool);
    const version = await toolVersion(binary, run.tool, env, box.dir);
    const outcome = await runTool({
      binary,
      args: await run.args(box),
      cwd: box.repo,
      env,
      ...options.limits,
      signal: options.signal,
    });
    if (!outcome.ok)
      throw toolError(outcome, {
        what: run.what,
        file: run.file,
        ...options.limits,
        toRepoPaths: box.toRepoPaths,
        remote: run.remote,
      });
    return { stdout: outcome.stdout, version };
  } finally {
    await box.dispose();
  }
}
