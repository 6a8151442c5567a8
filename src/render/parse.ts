import type { Alias, Document, Node as YamlNode } from 'yaml';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { ManifestError } from '../core/errors.ts';
import type { SourceFile } from '../core/types.ts';
import { construct } from './construct.ts';
import { NodeError, measureExpansion, offsetOf } from './expand.ts';
import type { RenderLimits } from './limits.ts';

/** One non-empty YAML document of a file, read into plain JSON values. */
export interface ParsedDocument {
  /** Zero-based index of the document within its file. */
  index: number;
  /** One-based line where the document's top node starts. */
  line: number;
  value: unknown;
  /** Line of each element of a top-level `items` sequence, so that List items keep their own line. */
  itemLines: number[];
}

/** The documents of one file, and the errors of those that could not be read. */
export interface ParsedFile {
  documents: ParsedDocument[];
  errors: ManifestError[];
  /** Whether the render's node budget ran out in this file, so that no further file should be read. */
  exhausted: boolean;
}

/** YAML nodes the render may still expand, shared by all its files (starts at `maxNodesTotal`). */
export interface NodeBudget {
  remaining: number;
}

type LineOf = (offset: number | undefined) => number;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads every document of a YAML or JSON file; empty and null documents are skipped. */
export function parseFile(file: SourceFile, limits: RenderLimits, budget: NodeBudget): ParsedFile {
  const result: ParsedFile = { documents: [], errors: [], exhausted: false };
  const fail = (message: string, document: number, line: number): void => {
    const location = { file: file.path, document, line };
    result.errors.push(new ManifestError('render', message, { file: file.path, location }));
  };
  let text: string;
  try {
    text = decoder.decode(file.content);
  } catch {
    result.errors.push(new ManifestError('render', 'is not valid UTF-8', { file: file.path }));
    return result;
  }
  const lineCounter = new LineCounter();
  const lineOf: LineOf = (offset) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  // The failsafe schema keeps every scalar as text, so that construct() applies kubectl's YAML 1.1 rules.
  const docs = parseAllDocuments(text, {
    schema: 'failsafe',
    uniqueKeys: false,
    prettyErrors: false,
    lineCounter,
  });
  if (docs.length > limits.maxDocumentsPerFile) {
    const first = docs[limits.maxDocumentsPerFile];
    const message = `has ${docs.length} YAML documents, more than ${limits.maxDocumentsPerFile} (limit maxDocumentsPerFile)`;
    fail(message, limits.maxDocumentsPerFile, lineOf(offsetOf(first?.contents) ?? first?.range[0]));
    return result;
  }

  for (const [index, doc] of docs.entries()) {
    const problem = firstProblem(doc, limits.maxDepth);
    if (problem) {
      fail(
        problem.message.startsWith('nesting') ? problem.message : `YAML ${problem.message}`,
        index,
        lineOf(problem.offset),
      );
      continue;
    }
    const root = doc.contents;
    const line = lineOf(offsetOf(root));
    try {
      const { nodes, targets } = measureExpansion(root, limits);
      budget.remaining -= nodes;
      if (budget.remaining < 0) {
        fail(
          `the render expands to more than ${limits.maxNodesTotal} YAML nodes (limit maxNodesTotal)`,
          index,
          line,
        );
        result.exhausted = true;
        break;
      }
      const value = construct(root, { targets, lineOf });
      if (value !== null)
        result.documents.push({ index, line, value, itemLines: itemLines(root, targets, lineOf) });
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      fail(error.message, index, error.offset === undefined ? line : lineOf(error.offset));
    }
  }
  return result;
}

function firstProblem(
  doc: Document.Parsed,
  maxDepth: number,
): { message: string; offset: number } | undefined {
  const error = doc.errors[0];
  // The parser recurses per nesting level and reports running out of stack as a syntax error; thousands of
  // levels are far past maxDepth, so say that instead of "Maximum call stack size exceeded".
  if (error && error.message.includes('Maximum call stack size exceeded')) {
    return { message: `nesting is deeper than ${maxDepth} levels (limit maxDepth)`, offset: error.pos[0] };
  }
  if (error) return { message: `syntax error: ${error.message}`, offset: error.pos[0] };
  // Unresolved tags are only warnings to the parser; construct() refuses them with a clearer message.
  const warning = doc.warnings.find((w) => w.code !== 'TAG_RESOLVE_FAILED');
  if (warning) return { message: `problem: ${warning.message}`, offset: warning.pos[0] };
  return undefined;
}

function itemLines(root: unknown, targets: Map<Alias, YamlNode>, lineOf: LineOf): number[] {
  if (!isMap(root)) return [];
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'items');
  const items = isAlias(pair?.value) ? targets.get(pair.value) : pair?.value;
  return isSeq(items) ? items.items.map((item) => lineOf(offsetOf(item))) : [];
}
