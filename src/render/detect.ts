import { normalizeRepoPath } from '../core/paths.ts';
import type { RenderMode } from '../core/render-spec.ts';
import type { SourceFile } from '../core/types.ts';

/** File names that make a directory a Kustomization, in the order kustomize itself looks for them. */
export const KUSTOMIZATION_FILES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** The file that makes a directory a Helm chart. */
export const CHART_FILE = 'Chart.yaml';

/** Every name whose presence at the path means the source must read the whole repository. */
export const TOOL_MARKERS: readonly string[] = [...KUSTOMIZATION_FILES, CHART_FILE];

/** The tool `auto` picks for `path`: a kustomization file → kustomize, a Chart.yaml → helm, else plain. */
export function detectMode(files: readonly SourceFile[], path: string): Exclude<RenderMode, 'auto'> {
  const dir = normalizeRepoPath(path);
  const has = (name: string) => files.some((f) => f.path === (dir ? `${dir}/${name}` : name));
  if (KUSTOMIZATION_FILES.some(has)) return 'kustomize';
  if (has(CHART_FILE)) return 'helm';
  return 'plain';
}

/** The kustomization file of directory `dir` in `files`, if it has one. */
export function kustomizationFile(files: ReadonlySet<string>, dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((n) => (dir ? `${dir}/${n}` : n)).find((p) => files.has(p));
}
