import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { SyncEvent } from '../sync/events.ts';
import type { SyncResult } from '../core/types.ts';
import { reconcile } from '../sync/reconcile.ts';
import { acquireSyncLock, processIdentity, type SyncLock } from '../sync/lock.ts';
import { preferSmallHeap } from '../core/memory.ts';
import { Kube } from '../kube/objects.ts';
import { loadGitAuth } from '../source/source.ts';
import { splitUrlCredentials } from '../source/auth.ts';
import { USAGE, parseCli } from './args.ts';
import { resolveTarget } from './target.ts';
import { formatResult } from './print.ts';
import { runAgent } from './commands/run.ts';
import { printStatus } from './commands/status.ts';
import { requestReconcile } from './commands/reconcile.ts';
import { printRendered } from './commands/render.ts';
import { interruptOnSignals } from './interrupt.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  preferSmallHeap();
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    process.stderr.write(`gitops-agent: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === 'help') return (void process.stdout.write(USAGE), 0);
  if (args.command === 'version') return (void process.stdout.write(`${version}\n`), 0);
  const log = pino(
    { level: (args.values['log-level'] as string | undefined) ?? 'warn', base: undefined },
    pino.destination(2),
  );
  const output = args.values.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    process.stderr.write(`gitops-agent: --output must be text or json\n`);
    return 2;
  }
  const kubeconfig = args.values.kubeconfig as string | undefined;
  if (args.command === 'run')
    return runAgent({
      config: args.values.config as string,
      kubeconfig,
      logLevel: (args.values['log-level'] as string | undefined) ?? 'info',
      cacheDir: args.values['cache-dir'] as string | undefined,
      version,
    });
  if (args.command === 'status' || args.command === 'reconcile' || args.command === 'render') {
    try {
      if (args.command === 'render') {
        const interrupt = interruptOnSignals();
        try {
          const code = await printRendered(args.values, output, interrupt.signal);
          return interrupt.exitCode() ?? code;
        } catch (err) {
          const code = interrupt.exitCode();
          if (code === undefined) throw err;
          process.stderr.write(`gitops-agent: ${(err as Error).message}\n`);
          return code;
        } finally {
          interrupt.dispose();
        }
      }
      if (args.command === 'status')
        return await printStatus({
          kubeconfig,
          namespace: args.values.namespace as string | undefined,
          output,
        });
      const wait = args.values.wait as string | undefined;
      return await requestReconcile({
        target: args.target!,
        kubeconfig,
        namespace: args.values.namespace as string | undefined,
        config: args.values.config as string | undefined,
        waitMs: wait === undefined ? undefined : Number(wait) * 1000,
      });
    } catch (err) {
      process.stderr.write(`gitops-agent: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let kube: Kube | undefined;
  const interrupt = interruptOnSignals();
  try {
    const { target, auth: authSource } = await resolveTarget(args.values);
    const split = splitUrlCredentials(target.url, await loadGitAuth(authSource));
    target.url = split.url;
    kube = Kube.load(args.values.kubeconfig as string | undefined);
    const progress = progressPrinter(log);
    // A sync holds the target's Lease throughout, so a second sync (or the agent) waits instead of interleaving.
    const lock: SyncLock | undefined =
      args.command === 'sync'
        ? await acquireSyncLock(kube.client, target, {
            identity: processIdentity('gitops-agent sync'),
            waitMs: lockTimeoutMs(args.values['lock-timeout']),
            onWait: (holder) =>
              process.stderr.write(
                `gitops-agent: waiting for ${holder} to finish syncing "${target.name}"\n`,
              ),
          })
        : undefined;
    const result = await reconcile(
      target,
      {
        kube,
        cacheDir:
          (args.values['cache-dir'] as string | undefined) ??
          join(homedir(), '.cache', 'gitops-agent', 'git'),
        auth: split.auth,
        version,
        onEvent: progress.event,
      },
      {
        mode: args.command,
        full: args.values.full === true,
        signal: lock ? AbortSignal.any([lock.signal, interrupt.signal]) : interrupt.signal,
      },
    ).finally(() => lock?.release().catch(() => undefined));
    progress.clear();
    process.stdout.write(
      output === 'json'
        ? JSON.stringify(result, null, 2) + '\n'
        : formatResult(result, {
            diffs: args.command === 'diff',
            showUnchanged: args.values['show-unchanged'] === true,
          }),
    );
    return interrupt.exitCode() ?? exitCode(args.command, result);
  } catch (err) {
    process.stderr.write(`gitops-agent: ${(err as Error).message}\n`);
    return interrupt.exitCode() ?? 2;
  } finally {
    interrupt.dispose();
    kube?.close();
  }
}

function lockTimeoutMs(value: string | boolean | undefined): number {
  const seconds = Number(value ?? 60);
  if (!(seconds >= 0)) throw new Error('--lock-timeout must be a number of seconds, 0 or more');
  return seconds * 1000;
}

function exitCode(command: 'sync' | 'diff', r: SyncResult): number {
  if (r.outcome === 'failed') return 2;
  if (command === 'diff')
    return r.changes.some((c) => c.action !== 'unchanged' && c.action !== 'skipped') ? 1 : 0;
  return r.outcome === 'synced' ? 0 : 1;
}

// A one-line status on a terminal; structured events go to the log at debug level.
function progressPrinter(log: pino.Logger): { event: (e: SyncEvent) => void; clear: () => void } {
  const tty = process.stderr.isTTY === true;
  let applied = 0;
  const show = (text: string) => tty && process.stderr.write(`\r\x1b[2K${text}`);
  return {
    event: (e) => {
      log.debug(
        { event: e.type, ...('stage' in e ? { stage: e.stage } : {}), ...('ms' in e ? { ms: e.ms } : {}) },
        'sync event',
      );
      if (e.type === 'stage-start') show(`${e.stage}…`);
      if (e.type === 'applied') show(`apply: ${++applied} objects`);
      if (e.type === 'health')
        show(
          `health: waiting for ${e.pending.length} object(s)${e.pending[0] ? `, e.g. ${e.pending[0].ref.kind}/${e.pending[0].ref.name}: ${e.pending[0].message}` : ''}`,
        );
    },
    clear: () => show(''),
  };
}
