/** The signal of a one-shot command and how it ended. */
export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The exit code for the signal received (130 for SIGINT, 143 for SIGTERM), or undefined if none came. */
  exitCode(): number | undefined;
  /** Removes the signal handlers. */
  dispose(): void;
}

const CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Turns SIGINT and SIGTERM into an aborted AbortSignal for `sync`, `diff` and `render`: with Node's default
 * handling the process dies at once, leaving a render tool (in its own process group) running and its
 * sandbox on disk; aborted, the tool's group is killed and the sandbox removed on the way out. A second
 * signal exits at once, for a command that does not stop.
 */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  let received: keyof typeof CODES | undefined;
  const on = (name: keyof typeof CODES) => {
    if (received) process.exit(CODES[name]);
    received = name;
    controller.abort(new Error(`interrupted by ${name}`));
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    exitCode: () => received && CODES[received],
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
