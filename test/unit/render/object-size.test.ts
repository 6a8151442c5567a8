// The per-object size check: objects the API server accepts render whatever their YAML's size; one over the
// API server's request limit is refused naming the object and the file, and the limit is configurable.
import { describe, expect, it } from 'vitest';
import { API_SERVER_MAX_REQUEST_BYTES, DEFAULT_RENDER_LIMITS } from '../../../src/render/limits.ts';
import { configMap, failures, run } from './helpers.ts';

// A CRD shaped like Argo CD's largest: deep, indented schema YAML that is several times its JSON size.
function bigCrd(properties: number): string {
  const lines = [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    '  name: applicationsets.argoproj.io',
    'spec:',
    '  group: argoproj.io',
    '  names: {kind: ApplicationSet, plural: applicationsets}',
    '  scope: Namespaced',
    '  versions:',
    '  - name: v1alpha1',
    '    served: true',
    '    storage: true',
    '    schema:',
    '      openAPIV3Schema:',
    '        type: object',
    '        properties:',
  ];
  const pad = ' '.repeat(40);
  for (let i = 0; i < properties; i++) {
    lines.push(`${pad}field${i}:`, `${pad}  type: string`);
  }
  // The indentation above is illegal under `properties:`; re-indent to a legal depth while keeping the size.
  return lines.map((l) => l.replace(/^ {40}/, '          ' + ' '.repeat(30))).join('\n') + '\n';
}

describe('render: the per-object size limit', () => {
  it('defaults to the API server request limit of 3 MiB', () => {
    expect(API_SERVER_MAX_REQUEST_BYTES).toBe(3 * 1024 * 1024);
    expect(DEFAULT_RENDER_LIMITS.maxObjectBytes).toBe(API_SERVER_MAX_REQUEST_BYTES);
  });

  it('admits a 1.4 MB YAML CRD whose JSON is far smaller', async () => {
    const text = bigCrd(14_000);
    expect(text.length).toBeGreaterThan(1_400_000);
    const [crd] = await run({ 'install.yaml': text });
    expect(crd?.object.kind).toBe('CustomResourceDefinition');
    expect(Buffer.byteLength(JSON.stringify(crd?.object))).toBeLessThan(text.length / 2);
  });

  it('refuses an object over the limit naming the object, the file and the limit', async () => {
    const big = configMap('huge', `  namespace: web\ndata:\n  blob: ${'x'.repeat(3 * 1024 * 1024)}\n`);
    const [message] = await failures({ 'a.yaml': configMap('small'), 'big.yaml': big });
    expect(message).toMatch(
      /^big\.yaml:1 \(document 1\): ConfigMap web\/huge is 3145830 bytes as JSON, over the 3145728-byte limit of one object \(limit maxObjectBytes;/,
    );
  });

  it('uses a configured limit', async () => {
    const files = { 'a.yaml': configMap('a', 'data:\n  k: 0123456789\n') };
    expect(await failures(files, { limits: { maxObjectBytes: 50 } })).toEqual([
      expect.stringMatching(/^a\.yaml:1 \(document 1\): ConfigMap a is \d+ bytes as JSON, over the 50-byte/),
    ]);
    expect(await run(files, { limits: { maxObjectBytes: 500 } })).toHaveLength(1);
  });
});
