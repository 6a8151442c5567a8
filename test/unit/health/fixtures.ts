// Loads the kstatus test objects under test/fixtures/health, each file a map from case name to object.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { HealthStatus, KubeObject } from '../../../src/core/types.ts';

const dir = join(import.meta.dirname, '../../fixtures/health');

function loadAll(): Map<string, KubeObject> {
  const all = new Map<string, KubeObject>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const cases = parse(readFileSync(join(dir, file), 'utf8')) as Record<string, KubeObject>;
    for (const [name, obj] of Object.entries(cases)) {
      if (all.has(name)) throw new Error(`fixture ${name} is defined twice (again in ${file})`);
      all.set(name, obj);
    }
  }
  return all;
}

const fixtures = loadAll();

/** The fixture object of a test case, by name. */
export function fixture(name: string): KubeObject {
  const obj = fixtures.get(name);
  if (!obj) throw new Error(`no fixture named ${name}`);
  return structuredClone(obj);
}

/** An object parsed from an inline YAML string. */
export function yamlObject(text: string): KubeObject {
  return parse(text) as KubeObject;
}

/** One row of a health table: case name, object YAML, and the expected status, reason and message. */
export type HealthCase = [
  name: string,
  yaml: string,
  status: HealthStatus,
  reason: string | undefined,
  message: string,
];
