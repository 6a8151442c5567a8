import type { SourceLocation } from '../core/types.ts';
import type { ParsedDocument } from './parse.ts';

/** A value read from Git that should be one Kubernetes object, with the place it came from. */
export interface Candidate {
  value: unknown;
  source: SourceLocation;
  /** One-based position within its List, when it came from one; error messages name it. */
  item?: number;
  /** Why the value cannot be an object at all, found while flattening (a List inside a List). */
  problem?: string;
}

/**
 * Turns one document into candidate objects: a `List` (or any `*List` kind with an `items` array) becomes
 * its items, each at its own line; any other document is one candidate.
 */
export function flattenDocument(file: string, doc: ParsedDocument): Candidate[] {
  const at = (line: number): SourceLocation => ({ file, document: doc.index, line });
  const list = asList(doc.value);
  if (!list) return [{ value: doc.value, source: at(doc.line) }];
  return list.items.map((item, i) => {
    const value = defaultItemType(item, list.kind, list.apiVersion);
    const candidate: Candidate = { value, source: at(doc.itemLines[i] ?? doc.line), item: i + 1 };
    // Checked as one object, a nested List would fail with a misleading "metadata.name is missing".
    if (asList(value)) {
      candidate.problem = `item ${i + 1} of the List is itself a List; nested Lists are not read, list the objects in the outer List`;
    }
    return candidate;
  });
}

function asList(value: unknown): { kind: string; apiVersion: unknown; items: unknown[] } | undefined {
  if (!isRecord(value)) return undefined;
  const { kind, apiVersion, items } = value;
  if (typeof kind !== 'string' || !kind.endsWith('List') || !Array.isArray(items)) return undefined;
  return { kind, apiVersion, items };
}

// Like apimachinery's unstructured list decoding: an item naming neither apiVersion nor kind takes the list's
// apiVersion and the list kind without its "List" suffix (a DeploymentList holds Deployments).
function defaultItemType(item: unknown, listKind: string, apiVersion: unknown): unknown {
  const itemKind = listKind.slice(0, -'List'.length);
  if (!isRecord(item) || itemKind === '' || !isEmpty(item.apiVersion) || !isEmpty(item.kind)) return item;
  return { ...item, apiVersion, kind: itemKind };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Whether a value is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
