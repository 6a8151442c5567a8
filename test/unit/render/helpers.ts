// Builders shared by the render tests: in-memory snapshots and a static scope table standing in for discovery.
import { expect } from 'vitest';
import { AggregateAgentError, ManifestError } from '../../../src/core/errors.ts';
import type { Manifest, Scope, ScopeLookup, SourceFile, SourceSnapshot } from '../../../src/core/types.ts';
import { DEFAULT_RENDER_LIMITS } from '../../../src/render/limits.ts';
import type { RenderLimits } from '../../../src/render/limits.ts';
import { parseFile } from '../../../src/render/parse.ts';
import type { ParsedFile } from '../../../src/render/parse.ts';
import { render } from '../../../src/render/render.ts';
import type { RenderOptions } from '../../../src/render/render.ts';

/** A snapshot holding the given files, path → text. */
export function snapshot(files: Record<string, string>): SourceSnapshot {
  return {
    url: 'https://git.example.com/repo.git',
    ref: 'main',
    commit: '0123456789abcdef0123456789abcdef01234567',
    fetched: true,
    files: Object.entries(files).map(([path, text]) => file(path, text)),
  };
}

/** One source file with UTF-8 content. */
export function file(path: string, text: string): SourceFile {
  return { path, content: new TextEncoder().encode(text) };
}

const SCOPES: Record<string, Scope> = {
  'v1 ConfigMap': 'Namespaced',
  'v1 Secret': 'Namespaced',
  'v1 Service': 'Namespaced',
  'v1 Namespace': 'Cluster',
  'apps/v1 Deployment': 'Namespaced',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'Cluster',
  'apiextensions.k8s.io/v1 CustomResourceDefinition': 'Cluster',
};

/** A ScopeLookup answering from a fixed table of built-in kinds, like a cluster without any CRDs. */
export const scopeOf: ScopeLookup = async (apiVersion, kind) => SCOPES[`${apiVersion} ${kind}`];

/** A ConfigMap manifest in YAML, for tests that need filler objects. */
export function configMap(name: string, extra = ''): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
}

/** Parses one file with the default limits overridden by `limits`, and a fresh node budget. */
export function parse(text: string, limits: Partial<RenderLimits> = {}, path = 'f.yaml'): ParsedFile {
  const all = { ...DEFAULT_RENDER_LIMITS, ...limits };
  return parseFile(file(path, text), all, { remaining: all.maxNodesTotal });
}

/** The messages of the errors parsing one file reports. */
export function parseErrors(text: string, limits: Partial<RenderLimits> = {}): string[] {
  return parse(text, limits).errors.map((e) => e.message);
}

/** Renders the files with the test options (path '', namespace "apps", the static scope table). */
export function run(
  files: Record<string, string>,
  overrides: Partial<RenderOptions> = {},
): Promise<Manifest[]> {
  return render(snapshot(files), { path: '', defaultNamespace: 'apps', scopeOf, ...overrides });
}

/** The messages of the error a render throws, one per problem; fails the test when it does not throw. */
export async function failures(
  files: Record<string, string>,
  overrides: Partial<RenderOptions> = {},
): Promise<string[]> {
  const error: unknown = await run(files, overrides).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof AggregateAgentError) return error.errors.map((e) => e.message);
  expect(error).toBeInstanceOf(ManifestError);
  return [(error as ManifestError).message];
}
