import type { RendererInfo, ToolLimits } from '../core/render-spec.ts';
import type { SourceFile } from '../core/types.ts';

/** What kustomize and helm are given besides their inputs. */
export interface ToolRenderOptions {
  /** The limits of one run, defaults applied. */
  limits: Required<ToolLimits>;
  /** Stops the run. */
  signal?: AbortSignal;
  /** Parent of the sandbox directory. Default the OS temp dir. */
  tempDir?: string;
}

/** What a tool printed, as files for the plain-YAML reader, and which tool it was. */
export interface ToolOutput {
  /** The output, split by the file it came from where the tool says so (helm's `# Source:`). */
  files: SourceFile[];
  renderer: RendererInfo;
}
