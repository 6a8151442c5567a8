import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../../src/core/ownership.ts';

// The definition the inventories' stored hashes were made with: any difference would re-plan every object once.
const reference = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

function random(depth: number, seed: { n: number }): unknown {
  const r = () => (seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = r();
  if (depth > 4 || pick < 0.3) {
    const leaves = [
      null,
      true,
      false,
      0,
      -1.5,
      1e21,
      'é"\\\n\u2028',
      '',
      'b',
      '\u{1f600}',
      '\ud800x',
      '\t',
      undefined,
      Number.NaN,
    ];
    return leaves[Math.floor(r() * leaves.length)];
  }
  if (pick < 0.55) return Array.from({ length: Math.floor(r() * 4) }, () => random(depth + 1, seed));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--)
    o[['z', 'a', 'B', '10', '2', 'é', '__proto_'][Math.floor(r() * 7)]!] = random(depth + 1, seed);
  return o;
}

describe('stableStringify', () => {
  it('matches JSON.stringify with a key-sorting replacer on 2,000 random JSON values', () => {
    const seed = { n: 42 };
    for (let i = 0; i < 2000; i++) {
      const v = random(0, seed);
      expect(stableStringify(v)).toBe(reference(v));
    }
  });

  it('matches it on a Kubernetes object with managedFields', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        labels: { b: '1', a: '2' },
        managedFields: [{ manager: 'x', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      },
      spec: {
        replicas: 2,
        template: {
          spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: undefined }] }] },
        },
      },
    };
    expect(stableStringify(obj)).toBe(reference(obj));
  });
});
