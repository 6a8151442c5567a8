// The real helm (test/tools/build.sh) against the test control plane, and kubeconfigs that authenticate as a
// ServiceAccount with a TokenRequest token, to run the agent with exactly the RBAC a chart grants.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigPath, kubectl } from './cluster.ts';

/** Path of the chart in the repository. */
export const CHART_DIR = 'charts/gitops-agent';

/** The Kubernetes version `helm template` and `helm lint` assume (the test control plane's). */
export const KUBE_VERSION = '1.32.2';

let binary: string | undefined;

/** Path of the helm binary; build.sh exits at once when it is cached. */
export function helmBinary(): string {
  binary ??= execFileSync('bash', ['test/tools/build.sh', 'helm'], { encoding: 'utf8' }).trim();
  return binary;
}

/** What a helm run printed and how it exited. */
export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with the test cluster's kubeconfig; resolves with the exit code instead of throwing. */
export function helm(args: string[], opts: { timeoutMs?: number } = {}): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(
      helmBinary(),
      args,
      {
        timeout: opts.timeoutMs ?? 90_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, KUBECONFIG: kubeconfigPath(), HELM_CACHE_HOME: join(tmpdir(), 'helm-cache') },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Like helm(), but throws with stderr unless it exits 0; returns stdout. */
export async function helmOk(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await helm(args, opts);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A kubeconfig file of a ServiceAccount; dispose() removes it. */
export interface ServiceAccountKubeconfig {
  path: string;
  dispose(): Promise<void>;
}

/** Writes a kubeconfig for `system:serviceaccount:<namespace>:<name>` with a one-hour TokenRequest token. */
export async function serviceAccountKubeconfig(
  namespace: string,
  name: string,
): Promise<ServiceAccountKubeconfig> {
  const token = (await kubectl(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath());
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`no current cluster in ${kubeconfigPath()}`);
  const sa = new KubeConfig();
  sa.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token }],
    contexts: [{ name, cluster: cluster.name, user: name, namespace }],
    currentContext: name,
  });
  const dir = await mkdtemp(join(tmpdir(), 'gitops-agent-sa-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, sa.exportConfig(), { mode: 0o600 });
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
