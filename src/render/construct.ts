import type { Alias, Node as YamlNode, Scalar, YAMLMap } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { NodeError, offsetOf } from './expand.ts';
import type { Resolved, ScalarTag } from './yaml11.ts';
import { resolvePlain, resolveTagged, toJsonValue, toMapKey } from './yaml11.ts';

const TAG_PREFIX = 'tag:yaml.org,2002:';
const SCALAR_TAGS: readonly string[] = ['str', 'int', 'float', 'bool', 'null'] satisfies ScalarTag[];

/** Where a construction needs help from its document: alias targets and offsets turned into lines. */
export interface ConstructContext {
  targets: Map<Alias, YamlNode>;
  lineOf: (offset: number | undefined) => number;
}

/**
 * Turns a parsed YAML node (parsed with the failsafe schema, so every scalar is still text) into plain JSON
 * values the way kubectl would read it; throws a NodeError at the first node it refuses.
 */
export function construct(node: unknown, ctx: ConstructContext): unknown {
  if (node == null) return null;
  if (isAlias(node)) return construct(targetOf(node, ctx), ctx);
  if (isScalar(node)) return guard(node, () => toJsonValue(resolveScalar(node), String(node.value)));
  if (isMap(node)) {
    checkCollectionTag(node.tag, 'map', node);
    return constructMap(node, ctx);
  }
  if (isSeq(node)) {
    checkCollectionTag(node.tag, 'seq', node);
    return node.items.map((item) => construct(item, ctx));
  }
  throw new NodeError('unsupported YAML node', node);
}

function constructMap(node: YAMLMap, ctx: ConstructContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const explicit = new Map<string, number | undefined>();
  for (const pair of node.items) {
    if (isMergeKey(pair.key)) {
      mergeInto(out, pair.value, ctx);
      continue;
    }
    const key = mapKey(pair.key, ctx);
    if (explicit.has(key)) {
      const first = ctx.lineOf(explicit.get(key));
      throw new NodeError(`duplicate key ${JSON.stringify(key)} (first defined at line ${first})`, pair.key);
    }
    explicit.set(key, offsetOf(pair.key));
    setKey(out, key, construct(pair.value, ctx));
  }
  return out;
}

// go-yaml v2 applies `<<` where it stands: merged keys overwrite earlier keys, later keys overwrite them,
// and in a sequence of maps the earlier maps win (xref: go-yaml v2 decode.go `merge`).
function mergeInto(out: Record<string, unknown>, value: unknown, ctx: ConstructContext): void {
  const source = isAlias(value) ? targetOf(value, ctx) : value;
  if (isMap(source)) {
    for (const [key, merged] of Object.entries(constructMap(source, ctx))) setKey(out, key, merged);
    return;
  }
  if (isSeq(source)) {
    for (const item of [...source.items].reverse()) {
      const map = isAlias(item) ? targetOf(item, ctx) : item;
      if (!isMap(map)) throw new NodeError('a merge key << needs a mapping or a sequence of mappings', item);
      for (const [key, merged] of Object.entries(constructMap(map, ctx))) setKey(out, key, merged);
    }
    return;
  }
  throw new NodeError('a merge key << needs a mapping or a sequence of mappings', value);
}

function mapKey(node: unknown, ctx: ConstructContext): string {
  const key = isAlias(node) ? targetOf(node, ctx) : node;
  if (key == null) throw new NodeError('unsupported map key: a map key cannot be null', node);
  if (!isScalar(key)) throw new NodeError('unsupported map key: a mapping or sequence cannot be a key', node);
  return guard(node, () => toMapKey(resolveScalar(key), String(key.value)));
}

function resolveScalar(node: Scalar): Resolved {
  const text = String(node.value);
  const tag = node.tag;
  if (tag === undefined) return node.type === 'PLAIN' ? resolvePlain(text) : { type: 'str', value: text };
  // The non-specific tag `!` marks a plain scalar as a string.
  if (tag === '!') return { type: 'str', value: text };
  const short = tag.startsWith(TAG_PREFIX) ? tag.slice(TAG_PREFIX.length) : undefined;
  if (short !== undefined && SCALAR_TAGS.includes(short)) return resolveTagged(short as ScalarTag, text);
  throw new Error(
    `unknown tag ${showTag(tag)}: only !!str, !!int, !!float, !!bool and !!null are allowed on scalars`,
  );
}

function checkCollectionTag(tag: string | undefined, kind: 'map' | 'seq', node: unknown): void {
  if (tag === undefined || tag === '!' || tag === TAG_PREFIX + kind) return;
  throw new NodeError(
    `unknown tag ${showTag(tag)}: only !!${kind} is allowed on a ${kind === 'map' ? 'mapping' : 'sequence'}`,
    node,
  );
}

function showTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? `!!${tag.slice(TAG_PREFIX.length)}` : tag;
}

function isMergeKey(node: unknown): boolean {
  if (!isScalar(node) || node.value !== '<<') return false;
  return node.tag === TAG_PREFIX + 'merge' || (node.tag === undefined && node.type === 'PLAIN');
}

function targetOf(alias: Alias, ctx: ConstructContext): YamlNode {
  const target = ctx.targets.get(alias);
  if (!target) throw new NodeError(`alias *${alias.source} has no anchor before it`, alias);
  return target;
}

function guard<T>(node: unknown, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    throw error instanceof NodeError ? error : new NodeError((error as Error).message, node);
  }
}

// A plain assignment of "__proto__" would replace the prototype instead of adding a key.
function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
