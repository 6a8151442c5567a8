import type { Alias, Node as YamlNode } from 'yaml';
import { isAlias, isMap, isSeq } from 'yaml';
import type { RenderLimits } from './limits.ts';

/** A problem at one node of a YAML document; the caller turns the offset into a line. */
export class NodeError extends Error {
  readonly offset: number | undefined;

  constructor(message: string, node: unknown) {
    super(message);
    this.name = 'NodeError';
    this.offset = offsetOf(node);
  }
}

/** The start offset of a parsed node in its file, if it has one. */
export function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: unknown } | null | undefined)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

interface Size {
  nodes: number;
  aliases: number;
}

/** What a document grows to once expanded: its node count, and the anchored node each alias stands for. */
export interface Expansion {
  nodes: number;
  targets: Map<Alias, YamlNode>;
}

/**
 * Counts the nodes and alias uses a document expands to, without materialising it, and maps every alias
 * to its anchored node; throws a NodeError when a limit is exceeded or an alias is unresolvable.
 */
export function measureExpansion(
  root: unknown,
  limits: Pick<RenderLimits, 'maxNodesPerDocument' | 'maxAliasCount' | 'maxDepth'>,
): Expansion {
  const anchors = new Map<string, YamlNode>();
  const sizes = new Map<YamlNode, Size>();
  const open = new Set<YamlNode>();
  const targets = new Map<Alias, YamlNode>();

  const measure = (node: unknown, depth: number): Size => {
    if (isAlias(node)) {
      // An alias refers to the last anchor of that name before it, as the YAML spec says.
      const target = anchors.get(node.source);
      if (!target) throw new NodeError(`alias *${node.source} has no anchor &${node.source} before it`, node);
      if (open.has(target))
        throw new NodeError(`alias *${node.source} is inside the node it refers to`, node);
      targets.set(node, target);
      const size = sizes.get(target) ?? { nodes: 1, aliases: 0 };
      return { nodes: size.nodes, aliases: size.aliases + 1 };
    }
    if (depth > limits.maxDepth) {
      throw new NodeError(`nesting is deeper than ${limits.maxDepth} levels (limit maxDepth)`, node);
    }
    const anchored = anchorOf(node);
    if (anchored) {
      anchors.set(anchored.anchor, anchored.node);
      open.add(anchored.node);
    }
    const size: Size = { nodes: 1, aliases: 0 };
    const add = (child: unknown): void => {
      const s = measure(child, depth + 1);
      size.nodes += s.nodes;
      size.aliases += s.aliases;
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        add(pair.key);
        add(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) add(item);
    }
    if (anchored) {
      open.delete(anchored.node);
      sizes.set(anchored.node, size);
    }
    return size;
  };

  const total = measure(root, 0);
  if (total.nodes > limits.maxNodesPerDocument) {
    throw new NodeError(
      `document expands to more than ${limits.maxNodesPerDocument} YAML nodes (limit maxNodesPerDocument); ` +
        'aliases that multiply content (a "billion laughs" document) are refused',
      root,
    );
  }
  if (limits.maxAliasCount >= 0 && total.aliases > limits.maxAliasCount) {
    throw new NodeError(
      `document expands to ${total.aliases} alias uses, more than ${limits.maxAliasCount} (limit maxAliasCount)`,
      root,
    );
  }
  return { nodes: total.nodes, targets };
}

function anchorOf(node: unknown): { anchor: string; node: YamlNode } | undefined {
  const anchor = (node as { anchor?: unknown } | null | undefined)?.anchor;
  return typeof anchor === 'string' && anchor !== '' ? { anchor, node: node as YamlNode } : undefined;
}
