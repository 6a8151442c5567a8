// Shared steps of the chart tests: a values file, a release installed into its own namespace, the agent run
// out of cluster as the release's ServiceAccount with the config the release rendered.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { CHART_DIR, helmOk, serviceAccountKubeconfig } from '../../support/helm.ts';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';

/** A chart release in the test cluster. */
export interface Release {
  name: string;
  namespace: string;
  /** The full name of its objects (`<release>-gitops-agent`). */
  fullname: string;
}

/** Writes values to a temporary file for `-f`; returns its path and a cleanup. */
export async function valuesFile(values: unknown): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-agent-values-'));
  const path = join(dir, 'values.yaml');
  await writeFile(path, stringify(values));
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** `helm install` (or `upgrade` when `upgrade` is set) of the chart with values into `namespace`. */
export async function installChart(release: Release, values: unknown, upgrade = false): Promise<string> {
  const file = await valuesFile(values);
  try {
    const verb = upgrade ? ['upgrade'] : ['install'];
    return await helmOk([...verb, release.name, CHART_DIR, '-n', release.namespace, '-f', file.path]);
  } finally {
    await file.dispose();
  }
}

/** The agent config the release rendered into its ConfigMap. */
export async function renderedConfig(release: Release): Promise<Record<string, unknown>> {
  const cm = JSON.parse(
    await kubectl(['get', 'configmap', release.fullname, '-n', release.namespace, '-o', 'json']),
  ) as {
    data: Record<string, string>;
  };
  return parse(cm.data['agent.yaml']!) as Record<string, unknown>;
}

/**
 * Starts `gitops-agent run` as the release's ServiceAccount (a TokenRequest token) with the rendered config.
 * Only `listen` changes, to a free loopback port, since tests share the machine; POD_NAMESPACE is the
 * release's, as the Deployment sets it.
 */
export async function runAsRelease(
  release: Release,
  defer: (fn: () => Promise<unknown>) => void,
): Promise<{ agent: AgentProcess; config: Record<string, unknown>; kubeconfig: string }> {
  const kc = await serviceAccountKubeconfig(release.namespace, release.fullname);
  defer(() => kc.dispose());
  const config = withLoopback(await renderedConfig(release));
  const agent = await startAgent(config, {
    kubeconfig: kc.path,
    env: { POD_NAMESPACE: release.namespace },
    logLevel: 'info',
  });
  defer(() => agent.dispose());
  return { agent, config, kubeconfig: kc.path };
}

/** The rendered config with `agent.listen` on a free loopback port. */
export function withLoopback(config: Record<string, unknown>): Record<string, unknown> {
  const agent = (config.agent ?? {}) as Record<string, unknown>;
  return { ...config, agent: { ...agent, listen: '127.0.0.1:0' } };
}

/** Matches the end-of-sync log line of a target, optionally with one outcome. */
export const syncDone =
  (target: string, outcome?: string) =>
  (l: LogLine): boolean =>
    l.target === target && typeof l.outcome === 'string' && (!outcome || l.outcome === outcome);

/** Log lines that report an authorization failure (403 Forbidden) of any request. */
export function forbiddenLines(agent: AgentProcess): string[] {
  return agent.rawLines.filter((l) => /forbidden|\b403\b/i.test(l));
}

/** `kubectl auth can-i VERB RESOURCE --as=AS ...scope`: `yes` or `no` (run directly: it exits 1 for no). */
export function canI(as: string, verb: string, resource: string, scope: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'kubectl',
      [`--kubeconfig=${kubeconfigPath()}`, 'auth', 'can-i', verb, resource, `--as=${as}`, ...scope],
      (err, stdout, stderr) => {
        const answer = stdout.trim();
        if (answer === 'yes' || answer === 'no') resolve(answer);
        else reject(new Error(`kubectl auth can-i ${verb} ${resource}: ${stderr || err?.message}`));
      },
    ),
  );
}
