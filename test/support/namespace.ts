// Per-test namespaces, so integration tests sharing one control plane never see each other's objects.
import { randomBytes } from 'node:crypto';
import { kubectl } from './cluster.ts';
import { TEST_NAMESPACE_LABEL } from './labels.ts';

/** A namespace created for one test; cleanup() deletes it without waiting for finalization. */
export interface TestNamespace {
  name: string;
  cleanup(): Promise<void>;
}

export { TEST_NAMESPACE_LABEL } from './labels.ts';

/** Creates a uniquely named namespace `<prefix>-<random>` (prefix sanitised to a DNS label). */
export async function createTestNamespace(prefix: string): Promise<TestNamespace> {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 50)
    .replace(/^-+|-+$/g, '');
  const name = `${base || 'test'}-${randomBytes(4).toString('hex')}`;
  const manifest = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } },
  };
  await kubectl(['create', '-f', '-'], { input: JSON.stringify(manifest) });
  return {
    name,
    cleanup: async () => {
      await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
    },
  };
}
