import { parseArgs } from 'node:util';

/** The CLI's usage text. */
export const USAGE = `gitops-agent — sync a Git commit of Kubernetes manifests into a cluster with server-side apply.

Usage:
  gitops-agent diff [options]   show what a sync would change (exit 0 in sync, 1 changes, 2 error)
  gitops-agent sync [options]   apply, prune and wait for health once (exit 0 synced, 1 unhealthy, 2 failed)
  gitops-agent render [options] print the objects the commit renders to (plain YAML, Kustomize, Helm)
  gitops-agent run --config FILE
                                the agent: keep every target of FILE converged (see docs/agent.md)
  gitops-agent status [--namespace NS] [--output text|json]
                                every target's last sync, read from the inventory parents
  gitops-agent reconcile TARGET [--namespace NS] [--config FILE] [--wait SECONDS]
                                ask the running agent to sync TARGET now (and wait for the result)

Target (or put these in a file and pass --config):
  --repo URL                 Git repository over http(s)                        (required)
  --ref REF                  branch, tag or full commit SHA                      (default: main)
  --path DIR                 directory of manifests in the repository           (default: .)
  --namespace NS             namespace for namespaced objects that name none     (default: default)
  --name NAME                target name; names the inventory ConfigMap          (default: from repo and path)
  --config FILE              YAML file with a target (see docs/cli.md); flags override it
  --render MODE              auto, plain, kustomize or helm (docs/render.md)      (default: auto)
  --helm-release NAME        Helm release name                                   (default: --name)
  --helm-values FILES        comma-separated values files, relative to the chart

Cluster:
  --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --inventory-namespace NS   where the inventory ConfigMap lives                 (default: --namespace)

Git:
  --token-file FILE          read an HTTP token from a file
  --token-env VAR            read an HTTP token from an environment variable
  --username USER            username sent with the token                        (default: git)
  --cache-dir DIR            where clones are kept between runs   (default: ~/.cache/gitops-agent/git)

Sync behaviour:
  --no-prune                 never delete objects removed from Git
  --allow-empty              allow a commit whose path renders no objects (prunes everything)
  --allow-mass-prune         allow pruning more than --max-prune-share of the set this once
  --max-prune-share N        refuse to prune more than this share of the set     (default: 0.5)
  --no-force                 fail on field-manager conflicts instead of taking the fields over
  --health-timeout SECONDS   how long to wait for health after applying; 0 skips (default: 120)
  --health-failure-grace S   a workload whose new pods stay blocked this long is Failed (default: 120)
  --sync-timeout SECONDS     stop the whole sync, failed and retryable, after this long (default: 1200)
  --stage-timeout SECONDS    the same for any one stage but health                (default: 600)
  --full                     dry-run every object, even ones the inventory proves unchanged
  --adopt                    take over objects that belong to another target's ApplySet
  --lock-timeout SECONDS     wait this long for another sync of the target to finish; 0 refuses (default: 60)

Output:
  --output text|json         result format on stdout                             (default: text)
  --show-unchanged           list unchanged objects too (text output)
  --log-level LEVEL          pino log level on stderr: silent, error, warn, info, debug (default: warn)
  -h, --help                 this help
  --version                  print the version
`;

/** Parsed command line. */
export interface CliArgs {
  command: 'sync' | 'diff' | 'run' | 'status' | 'reconcile' | 'render' | 'help' | 'version';
  values: Record<string, string | boolean | undefined>;
  /** The target of `reconcile`. */
  target?: string;
}

/** Parses argv (without node and script); throws with a clear message on unknown options. */
export function parseCli(argv: string[]): CliArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      repo: { type: 'string' },
      ref: { type: 'string' },
      path: { type: 'string' },
      namespace: { type: 'string' },
      name: { type: 'string' },
      config: { type: 'string' },
      render: { type: 'string' },
      'helm-release': { type: 'string' },
      'helm-values': { type: 'string' },
      kubeconfig: { type: 'string' },
      'inventory-namespace': { type: 'string' },
      'token-file': { type: 'string' },
      'token-env': { type: 'string' },
      username: { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-prune': { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      'allow-mass-prune': { type: 'boolean' },
      'max-prune-share': { type: 'string' },
      'no-force': { type: 'boolean' },
      'health-timeout': { type: 'string' },
      'health-failure-grace': { type: 'string' },
      'sync-timeout': { type: 'string' },
      'stage-timeout': { type: 'string' },
      full: { type: 'boolean' },
      adopt: { type: 'boolean' },
      'lock-timeout': { type: 'string' },
      output: { type: 'string' },
      'show-unchanged': { type: 'boolean' },
      'log-level': { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) return { command: 'help', values };
  if (values.version) return { command: 'version', values };
  const [command, ...rest] = positionals;
  if (command === 'reconcile') {
    if (rest.length !== 1) throw new Error('reconcile takes exactly one target name');
    return { command, values, target: rest[0] };
  }
  if (rest.length) throw new Error(`unexpected argument "${rest[0]}"`);
  if (command === 'run' && typeof values.config !== 'string') throw new Error('run needs --config FILE');
  if (
    command === 'sync' ||
    command === 'diff' ||
    command === 'run' ||
    command === 'status' ||
    command === 'render'
  )
    return { command, values };
  throw new Error(
    command
      ? `unknown command "${command}"; use sync, diff, render, run, status or reconcile`
      : 'missing command: sync, diff, render, run, status or reconcile',
  );
}
