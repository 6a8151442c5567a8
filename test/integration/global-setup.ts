// vitest globalSetup of the integration project: starts one real control plane for the whole run and hands
// its kubeconfig and version to the tests (see test/support/cluster.ts).
import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../cluster/control-plane.ts';

/** Starts the control plane, provides `kubeconfig` and `kubeVersion`, and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const cp = await startControlPlane({ log: (line) => console.log(`[control-plane] ${line}`) });
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`control plane ${cp.version} ready in ${secs}s (${cp.server}, logs in ${cp.dir})`);
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('kubeVersion', cp.version);
  return async () => {
    await cp.stop();
  };
}
