// Official install files are large (Argo CD's install.yaml is 1.9 MB, one of its CRDs 1.4 MB of YAML): a file
// that size syncs as published, while one object over what the API server accepts is refused before any
// write, naming the object and its file.
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../support/cluster.ts';
import { getLive, useSyncFixtures } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

// A CRD whose schema YAML is over 1 MB: many described properties, as generated CRDs have.
function largeCrd(group: string): string {
  const props = Array.from(
    { length: 2000 },
    (_, i) =>
      `                field${i}:\n                  type: string\n                  description: ${'Generated documentation of this field. '.repeat(12)}`,
  ).join('\n');
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${group}
spec:
  group: ${group}
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
${props}
`;
}

const configMap = (name: string, bytes: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  blob: ${'x'.repeat(bytes)}\n`;

describe('large manifests', () => {
  it('syncs a 1.9 MB file holding a CRD of over 1 MB of YAML, which a 1 MiB file cap refused', async () => {
    const fx = await suite.fixture('large-file');
    const group = `${fx.namespace}.example.com`;
    suite.onCleanup(() => kubectl(['delete', 'crd', `gadgets.${group}`, '--wait=false']));
    const install = `${largeCrd(group)}---\n${configMap('settings', 800_000)}`;
    expect(install.length).toBeGreaterThan(1_900_000);
    await fx.repo.commit({ 'deploy/install.yaml': install }, 'official-size install file');
    const r = await fx.sync();
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('synced');
    expect(await getLive('configmap', 'settings', fx.namespace)).toMatchObject({
      metadata: { name: 'settings' },
    });
    const crd = await kubectl(['get', 'crd', `gadgets.${group}`, '-o', 'name']);
    expect(crd.trim()).toBe(`customresourcedefinition.apiextensions.k8s.io/gadgets.${group}`);
  }, 180_000);

  it('refuses an object over the API server request limit before any write, naming object and file', async () => {
    const fx = await suite.fixture('large-object');
    await fx.repo.commit(
      { 'deploy/a.yaml': configMap('small', 10), 'deploy/huge.yaml': configMap('huge', 3_200_000) },
      'too big',
    );
    const r = await fx.sync();
    expect(r.outcome).toBe('failed');
    expect(r.error?.stage).toBe('render');
    expect(r.error?.retryable).toBe(false);
    expect(r.error?.message).toMatch(
      /^deploy\/huge\.yaml:1 \(document 1\): ConfigMap huge is 32000\d\d bytes as JSON, over the 3145728-byte limit of one object \(limit maxObjectBytes;/,
    );
    expect(r.requests.APPLY ?? 0).toBe(0);
    expect(await getLive('configmap', 'small', fx.namespace)).toBeUndefined();
    // A target that knows its API server takes more can raise the limit; the API server then answers itself.
    const raised = await fx.sync({}, { limits: { maxObjectBytes: 8 << 20 } });
    expect(raised.error?.stage).toBe('plan');
    // The default is exactly what kube-apiserver enforces: it refuses the same object with 413.
    expect(raised.error?.message).toMatch(
      /ConfigMap\/\S+\/huge dry-run failed .*Request entity too large: limit is 3145728/,
    );
  }, 180_000);
});
