import { AggregateAgentError, ManifestError } from '../core/errors.ts';
import { formatRef, objectKey, refOf } from '../core/refs.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import type {
  Manifest,
  ObjectKey,
  ScopeLookup,
  SourceFile,
  SourceLocation,
  SourceSnapshot,
} from '../core/types.ts';
import { DEFAULT_RENDER_LIMITS } from './limits.ts';
import { objectSizeProblem } from './object-size.ts';
import type { RenderLimits } from './limits.ts';
import { flattenDocument } from './list.ts';
import { parseFile } from './parse.ts';
import { applyScope, lookupScopes } from './scope.ts';
import { validateObject } from './validate.ts';
import { asStored } from './convert.ts';

export { DEFAULT_RENDER_LIMITS };
export type { RenderLimits };

/** What to render from a snapshot and how to complete the objects. */
export interface RenderOptions {
  /** Directory (or single file) within the repository; `''` or `.` for the whole repository. */
  path: string;
  /** Namespace given to namespaced objects that name none. */
  defaultNamespace: string;
  /** Scope of a kind as the API server reports it; `undefined` when it does not serve the kind. */
  scopeOf: ScopeLookup;
  /** Overrides of DEFAULT_RENDER_LIMITS. */
  limits?: Partial<RenderLimits>;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/**
 * Reads every YAML and JSON file under `options.path` into validated objects, in file then document order;
 * throws one ManifestError, or an AggregateAgentError holding all of them, when anything is wrong.
 */
export async function render(snapshot: SourceSnapshot, options: RenderOptions): Promise<Manifest[]> {
  return renderFiles(selectFiles(snapshot.files, options.path), options);
}

/** Reads `files` (all of them, in the order given) into validated objects, as render does. */
export async function renderFiles(files: readonly SourceFile[], options: RenderOptions): Promise<Manifest[]> {
  const limits: RenderLimits = { ...DEFAULT_RENDER_LIMITS, ...options.limits };
  const errors: ManifestError[] = [];
  const manifests: Manifest[] = [];

  const budget = { remaining: limits.maxNodesTotal };
  read: for (const file of files) {
    const parsed = parseFile(file, limits, budget);
    errors.push(...parsed.errors);
    if (parsed.exhausted) break;
    for (const doc of parsed.documents) {
      for (const candidate of flattenDocument(file.path, doc)) {
        if (manifests.length >= limits.maxObjects) {
          errors.push(
            fail(`more than ${limits.maxObjects} objects to render (limit maxObjects)`, candidate.source),
          );
          break read;
        }
        if (candidate.problem) {
          errors.push(fail(candidate.problem, candidate.source));
          continue;
        }
        const checked = validateObject(candidate.value);
        const tooBig = checked.ok ? objectSizeProblem(checked.object, limits.maxObjectBytes) : undefined;
        if (!checked.ok) {
          const item = candidate.item === undefined ? '' : `item ${candidate.item} of the List: `;
          errors.push(fail(`${item}${checked.message}`, candidate.source));
        } else if (tooBig) errors.push(fail(tooBig, candidate.source));
        else manifests.push({ object: asStored(checked.object), source: candidate.source });
      }
    }
  }

  const scopes = await lookupScopes(
    manifests.map((m) => m.object),
    options.scopeOf,
  );
  const scoped = manifests.filter((m) => {
    const problem = applyScope(m.object, scopes, options.defaultNamespace);
    if (problem) errors.push(fail(problem, m.source));
    return problem === undefined;
  });
  errors.push(...findDuplicates(scoped));

  if (errors.length === 1 && errors[0]) throw errors[0];
  if (errors.length > 0) throw new AggregateAgentError('render', sortErrors(errors));
  return manifests;
}

/** The manifest files under `path`, in byte order of their paths. */
export function selectFiles(files: readonly SourceFile[], path: string): SourceFile[] {
  const prefix = normalizeRepoPath(path);
  return (
    files
      .filter((f) => MANIFEST_FILE.test(f.path))
      .filter((f) => prefix === '' || f.path === prefix || f.path.startsWith(`${prefix}/`))
      // Hidden files and directories below the path (.github/workflows/*.yml, .pre-commit-config.yaml) are
      // tooling, not manifests, as kubectl apply -R would also trip over them.
      .filter(
        (f) =>
          !f.path
            .slice(prefix ? prefix.length + 1 : 0)
            .split('/')
            .some((part) => part.startsWith('.')),
      )
      .sort((a, b) => compareBytes(a.path, b.path))
  );
}

function findDuplicates(manifests: Manifest[]): ManifestError[] {
  const seen = new Map<ObjectKey, SourceLocation>();
  const errors: ManifestError[] = [];
  for (const { object, source } of manifests) {
    const key = objectKey(refOf(object));
    const first = seen.get(key);
    if (first) {
      errors.push(
        fail(
          `duplicate object ${formatRef(refOf(object))}: also defined at ${formatLocation(first)}`,
          source,
        ),
      );
    } else {
      seen.set(key, source);
    }
  }
  return errors;
}

function fail(message: string, source: SourceLocation): ManifestError {
  return new ManifestError('render', message, { file: source.file, location: source });
}

function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line} (document ${loc.document + 1})`;
}

// Parse errors are found file by file, scope and duplicate errors afterwards; report them in file order.
function sortErrors(errors: ManifestError[]): ManifestError[] {
  const rank = (e: ManifestError): [string, number, number] => [
    e.file ?? '',
    e.location?.document ?? -1,
    e.location?.line ?? 0,
  ];
  return [...errors].sort((a, b) => {
    const [fa, da, la] = rank(a);
    const [fb, db, lb] = rank(b);
    return compareBytes(fa, fb) || da - db || la - lb;
  });
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
