// The chart's values.schema.json is generated (npm run chart:schema) and must be current; values.yaml and the
// schema name the same keys, and every value in values.yaml carries a comment.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, parseDocument, visit, type Pair } from 'yaml';
import { SCHEMA_FILE, valuesSchema, valuesSchemaText } from '../../../scripts/chart-schema.ts';

const VALUES_FILE = 'charts/gitops-agent/values.yaml';

type Schema = { properties?: Record<string, Schema> };

// Dotted key paths of an object's maps, stopping at `config` (the agent's schema, generated) and at lists.
function valueKeys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const key = `${prefix}${k}`;
    return key === 'config' ? [key] : [key, ...valueKeys(v, `${key}.`)];
  });
}

function schemaKeys(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, s]) => {
    const key = `${prefix}${k}`;
    // Free-form maps (annotations, labels, resources) have no properties of their own in the schema.
    return key === 'config' ? [key] : [key, ...schemaKeys(s, `${key}.`)];
  });
}

describe('charts/gitops-agent/values.schema.json', () => {
  it('is what npm run chart:schema generates now (run it after changing the agent config or the chart)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await valuesSchemaText());
  });

  it('describes the agent config under config: strict, with the agent schema’s keys', () => {
    const config = valuesSchema().properties as Record<string, Schema & { additionalProperties?: boolean }>;
    expect(Object.keys(config.config!.properties!)).toEqual(['agent', 'targets']);
    expect(config.config!.additionalProperties).toBe(false);
  });

  it('names the same chart keys as values.yaml', async () => {
    const values = parseDocument(await readFile(VALUES_FILE, 'utf8')).toJS() as Record<string, unknown>;
    const fromValues = valueKeys(values).filter(
      (k) =>
        !/^(resources|podAnnotations|podLabels|nodeSelector|affinity|serviceAccount\.annotations|service\.annotations|serviceMonitor\.labels|ingress\.annotations)\./.test(
          k,
        ),
    );
    expect(schemaKeys(valuesSchema() as Schema).sort()).toEqual(fromValues.sort());
  });

  it('has a comment on every value in values.yaml', async () => {
    const doc = parseDocument(await readFile(VALUES_FILE, 'utf8'));
    const uncommented: string[] = [];
    visit(doc, {
      Pair(_, pair: Pair, path) {
        // Items of the example lists (rbac.managed.rules) and maps of maps are described by their parent.
        if (path.some((p) => !isMap(p) && !isPair(p) && p !== doc)) return visit.SKIP;
        const key = pair.key as { commentBefore?: string | null };
        const first = path.at(-1);
        const mapComment =
          isMap(first) && first.items[0] === pair
            ? (first as { commentBefore?: string | null }).commentBefore
            : undefined;
        const docComment = pair === (doc.contents as { items: Pair[] }).items[0] && doc.commentBefore;
        const commented = Boolean(key.commentBefore || mapComment || docComment);
        // A commented map (resources) describes its own entries; an uncommented one (image) is just a group.
        if (isMap(pair.value)) return commented ? visit.SKIP : undefined;
        if (!commented) uncommented.push(isScalar(pair.key) ? String(pair.key.value) : '?');
        return visit.SKIP;
      },
    });
    expect(uncommented).toEqual([]);
  });
});
