import { pino, type DestinationStream, type Logger } from 'pino';
import type { Redactor } from './redact.ts';

/** Options of the agent's logger. */
export interface LoggerOptions {
  /** pino level. Default `info`. */
  level?: string;
  redactor: Redactor;
  /** Where JSON lines go. Default stderr. */
  destination?: DestinationStream;
}

/**
 * The agent's pino logger: JSON lines in which every string, the message, every field and every error's
 * message and stack, passes through the redactor, so no token reaches a log line.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const { redactor } = opts;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are already plain, redacted objects (formatters.log runs before serializers).
      serializers: { err: (e: unknown) => e },
      formatters: { log: (obj) => redactor.redactValue(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // pino would take the message of a bare Error unredacted, so an Error becomes `{ err }` plus its message.
          const first: unknown = args[0];
          const list: unknown[] =
            first instanceof Error
              ? [{ err: first }, ...(args.length > 1 ? args.slice(1) : [first.message])]
              : args;
          const clean = list.map((a) => (typeof a === 'string' ? redactor.redact(a) : a));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    opts.destination ?? pino.destination(2),
  );
}
