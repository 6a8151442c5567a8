// vitest globalSetup of the integration project: starts one real control plane for the whole run and hands
// its kubeconfig and version to the tests (see test/support/cluster.ts); at the end it checks that no test
// left a labelled namespace or cluster-scoped object behind. Alongside, it builds the real tools (helm,
// kustomize, Gitea: test/tools/build.sh) once, so no test pays for a cold build inside its own timeout.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../cluster/control-plane.ts';
import { TEST_NAMESPACE_LABEL } from '../support/labels.ts';

/** Starts the control plane, provides `kubeconfig` and `kubeVersion`, and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const tools = promisify(execFile)('bash', [new URL('../tools/build.sh', import.meta.url).pathname, 'all'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const cp = await startControlPlane({ log: (line) => console.log(`[control-plane] ${line}`) });
  try {
    const { stdout } = await tools;
    console.log(`tools: ${stdout.trim().split('\n').join(', ')}`);
  } catch (err) {
    await cp.stop();
    throw new Error(`test/tools/build.sh all failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, {
      cause: err,
    });
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`control plane ${cp.version} ready in ${secs}s (${cp.server}, logs in ${cp.dir})`);
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('kubeVersion', cp.version);
  return async () => {
    let leftovers: string[];
    try {
      leftovers = labelledLeftovers(cp.kubeconfig);
    } finally {
      await cp.stop();
    }
    if (leftovers.length > 0)
      throw new Error(`tests left these objects behind (not being deleted): ${leftovers.join(', ')}`);
  };
}

/** Objects carrying the test label that nobody is deleting: a test forgot its cleanup. */
function labelledLeftovers(kubeconfig: string): string[] {
  const out = execFileSync(
    'kubectl',
    [
      `--kubeconfig=${kubeconfig}`,
      'get',
      'namespaces,clusterroles,customresourcedefinitions',
      '-l',
      TEST_NAMESPACE_LABEL,
      '-o',
      'json',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const items = (JSON.parse(out) as { items: { kind: string; metadata: Record<string, unknown> }[] }).items;
  return items
    .filter((o) => o.metadata['deletionTimestamp'] === undefined)
    .map((o) => `${o.kind}/${String(o.metadata['name'])}`);
}
