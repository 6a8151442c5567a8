import { AgentError } from '../core/errors.ts';
import type { ToolOutcome } from './run-tool.ts';

/** Stable codes of a failed tool run. */
export type RenderToolCode =
  | 'RENDER_TOOL_FAILED'
  | 'RENDER_TOOL_MISSING'
  | 'RENDER_TIMEOUT'
  | 'RENDER_OUTPUT_LIMIT'
  | 'RENDER_MEMORY_LIMIT'
  | 'RENDER_ABORTED';

/** kustomize or helm failed or was stopped; names the file it was run on, in repository paths. */
export class RenderToolError extends AgentError {
  readonly code: RenderToolCode;
  /** The kustomization or Chart.yaml the tool was run on. */
  readonly file: string;

  constructor(code: RenderToolCode, file: string, message: string, retryable: boolean) {
    super('render', `${file}: ${message}`, { retryable });
    this.name = 'RenderToolError';
    this.code = code;
    this.file = file;
  }
}

/** The limits a failed run is judged against, for its message. */
export interface FailedRun {
  /** `kustomize build` or `helm template`. */
  what: string;
  file: string;
  timeoutMs: number;
  maxOutputBytes: number;
  maxMemoryBytes: number;
  /** Maps the sandbox's paths in the tool's stderr back to repository paths. */
  toRepoPaths: (text: string) => string;
  /** The run reached the network (a remote base), so a failure may be a blip. Default false. */
  remote?: boolean;
}

/**
 * The error for a run that did not succeed: a timeout or an abort may pass on a retry (load), and a missing
 * binary once it is installed, so they are retryable; a tool error, too much output or memory will not change
 * until the commit does, unless the run fetched remote bases, whose hosts may fail and recover.
 */
export function toolError(outcome: Exclude<ToolOutcome, { ok: true }>, run: FailedRun): RenderToolError {
  const stderr = run.toRepoPaths(outcome.stderr.trim()).replace(/^Error: /, '');
  switch (outcome.reason) {
    case 'timeout':
      return new RenderToolError(
        'RENDER_TIMEOUT',
        run.file,
        `${run.what} took longer than ${run.timeoutMs} ms (render limit timeoutMs) and was stopped`,
        true,
      );
    case 'output':
      return new RenderToolError(
        'RENDER_OUTPUT_LIMIT',
        run.file,
        `${run.what} printed more than ${run.maxOutputBytes} bytes (render limit maxOutputBytes) and was stopped`,
        false,
      );
    case 'memory':
      return new RenderToolError(
        'RENDER_MEMORY_LIMIT',
        run.file,
        `${run.what} used more than ${run.maxMemoryBytes} bytes of memory (render limit maxMemoryBytes) and was stopped`,
        false,
      );
    case 'aborted':
      return new RenderToolError(
        'RENDER_ABORTED',
        run.file,
        `${run.what} was stopped: the sync was cancelled`,
        true,
      );
    case 'spawn':
      // The agent's environment, not the commit, is at fault: not remembered, so installing the tool fixes it.
      return new RenderToolError('RENDER_TOOL_MISSING', run.file, `cannot run ${run.what}: ${stderr}`, true);
    case 'exit':
      return new RenderToolError(
        'RENDER_TOOL_FAILED',
        run.file,
        `${run.what} failed: ${stderr || `exit code ${outcome.code}`}`,
        run.remote === true,
      );
  }
}
