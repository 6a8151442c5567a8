import type { ObjectRef, SourceLocation, Stage } from './types.ts';
import { formatRef } from './refs.ts';

/** Base error of the agent: says which stage failed and whether retrying can help. */
export class AgentError extends Error {
  readonly stage: Stage;
  readonly retryable: boolean;

  constructor(stage: Stage, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'AgentError';
    this.stage = stage;
    this.retryable = options.retryable;
  }
}

/** A manifest problem found while reading or rendering Git content; never retryable until a new commit. */
export class ManifestError extends AgentError {
  readonly location: SourceLocation | undefined;
  readonly file: string | undefined;

  constructor(
    stage: 'source' | 'render',
    message: string,
    where?: { file: string; location?: SourceLocation },
  ) {
    super(stage, where ? `${describeLocation(where)}: ${message}` : message, { retryable: false });
    this.name = 'ManifestError';
    this.file = where?.file;
    this.location = where?.location;
  }
}

/** A failure that concerns one object: its message starts with `Kind/ns/name`. */
export class ObjectError extends AgentError {
  readonly ref: ObjectRef;
  /** HTTP status from the API server, when there was one. */
  readonly status: number | undefined;

  constructor(
    stage: Stage,
    ref: ObjectRef,
    message: string,
    options: { retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(stage, `${formatRef(ref)} ${message}`, options);
    this.name = 'ObjectError';
    this.ref = ref;
    this.status = options.status;
  }
}

/** Several failures from one stage, reported together so that none is lost. */
export class AggregateAgentError extends AgentError {
  readonly errors: AgentError[];

  constructor(stage: Stage, errors: AgentError[]) {
    super(stage, errors.map((e) => e.message).join('\n'), { retryable: errors.every((e) => e.retryable) });
    this.name = 'AggregateAgentError';
    this.errors = errors;
  }
}

function describeLocation(where: { file: string; location?: SourceLocation }): string {
  const loc = where.location;
  if (!loc) return where.file;
  return `${where.file}:${loc.line} (document ${loc.document + 1})`;
}
