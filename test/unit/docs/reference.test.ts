// docs/reference.md documents every key of the agent config (walked from its zod schema) and every chart value
// (walked from values.yaml): a key added to either without a line in the reference fails here.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { configSchema } from '../../../src/agent/config.ts';

type Schema = { properties?: Record<string, Schema>; items?: Schema };

function schemaPaths(node: Schema, prefix = ''): string[] {
  const own = Object.entries(node.properties ?? {}).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...schemaPaths(v, path)];
  });
  return node.items ? [...own, ...schemaPaths(node.items, `${prefix}[]`)] : own;
}

// Keys of values.yaml's maps, down to the leaves; free-form maps (annotations, resources) count as one value.
function valuePaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = `${prefix}${k}`;
    return path === 'config' || path === 'resources' ? [path] : [path, ...valuePaths(v, `${path}.`)];
  });
}

const documented = async () => {
  const text = await readFile('docs/reference.md', 'utf8');
  return (path: string) => text.includes(`| \`${path}\``);
};

describe('docs/reference.md', () => {
  it('has a row for every agent config key', async () => {
    const has = await documented();
    const paths = schemaPaths(
      z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Schema,
    );
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !has(p))).toEqual([]);
  });

  it('has a row for every chart value', async () => {
    const has = await documented();
    const values = parse(await readFile('charts/gitops-agent/values.yaml', 'utf8')) as Record<
      string,
      unknown
    >;
    const paths = valuePaths(values);
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((p) => !has(p))).toEqual([]);
  });
});
