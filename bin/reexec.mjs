// Re-running the CLI under another Node: the child gets every signal the parent gets, and the parent ends the
// way the child ended. Plain JavaScript, since it runs on the older Node that cannot strip types.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// Every signal a process can catch and that means something to the child; SIGKILL and SIGSTOP cannot be caught,
// SIGCHLD and SIGPIPE concern the parent alone.
const FORWARDED = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
  'SIGCONT',
  'SIGTSTP',
].filter((s) => s in constants.signals);

/**
 * Runs `command` with `args` and the parent's stdio, forwards every signal the parent receives to it, and exits
 * with the child's exit code, or dies of the signal that killed the child, so callers see the child's end.
 */
export function reexec(command, args) {
  const child = spawn(command, args, { stdio: 'inherit' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('error', (err) => {
    console.error(`gitops-agent: cannot run ${command}: ${err.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    if (signal) {
      // With no listener left, the default action applies: the parent ends of the same signal.
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 2);
  });
}
