import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ManifestError } from '../core/errors.ts';
import type { KustomizeSpec } from '../core/render-spec.ts';
import type { SourceFile } from '../core/types.ts';
import { kustomizationFile } from './detect.ts';
import { resolveInRepo } from './repo-path.ts';

/** What a check of the kustomizations found: the files walked and the remote hosts they reach. */
export interface KustomizeCheck {
  /** Every kustomization file the build will read, in walk order. */
  kustomizations: string[];
  /** Origins (`https://host[:port]`) of the remote bases, each on an allowed host. */
  remoteOrigins: string[];
}

type Doc = Record<string, unknown>;

const URL_SHAPED = /^[a-z][a-z0-9+.-]*:\/\//i;

const DIR_FIELDS = ['resources', 'bases', 'components'] as const;
const PLUGIN_FIELDS = ['generators', 'transformers', 'validators'] as const;
const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];

/**
 * Walks the kustomizations from `root` before kustomize runs, refusing what kustomize would allow but a
 * GitOps agent must not: a base outside the repository (kustomize confines files to their kustomization's
 * directory, not bases), an absolute path, a remote base that the target does not allow, an exec, container
 * or Go plugin, helmCharts, and a kustomization that includes itself, each error naming the file.
 */
export function checkKustomizations(
  files: readonly SourceFile[],
  root: string,
  spec: KustomizeSpec = {},
): KustomizeCheck {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const paths = new Set(byPath.keys());
  const dirs = new Set<string>(['']);
  for (const p of paths) for (let d = posix.dirname(p); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  const local = new Set([...paths, ...dirs]);
  const done = new Set<string>();
  const result: KustomizeCheck = { kustomizations: [], remoteOrigins: [] };

  const walk = (dir: string, stack: string[]): void => {
    const file = kustomizationFile(paths, dir);
    if (!file) return;
    if (stack.includes(dir)) {
      const loop = [...stack.slice(stack.indexOf(dir)), dir].map((d) => d || '.').join(' → ');
      throw fail(kustomizationFile(paths, stack.at(-1)!) ?? file, `kustomization loops: ${loop}`);
    }
    if (done.has(dir)) return;
    result.kustomizations.push(file);
    const doc = parseKustomization(file, byPath.get(file)!.content);
    const from = (entry: string, field: string) => resolveEntry(file, dir, entry, field);
    for (const field of DIR_FIELDS) {
      for (const entry of strings(doc[field], file, field)) {
        if (isRemote(file, dir, entry, field, local)) {
          const origin = allowRemote(file, entry, spec);
          if (origin) result.remoteOrigins.push(origin);
          continue;
        }
        const target = from(entry, field);
        if (dirs.has(target)) walk(target, [...stack, dir]);
      }
    }
    for (const field of PLUGIN_FIELDS) {
      for (const entry of strings(doc[field], file, field)) {
        if (entry.includes('\n')) {
          checkPlugin(file, entry, file);
          continue;
        }
        const target = from(entry, field);
        if (dirs.has(target)) walk(target, [...stack, dir]);
        else if (byPath.has(target)) checkPlugin(file, byPath.get(target)!.content, target);
      }
    }
    for (const entry of fileEntries(doc)) from(entry.value, entry.field);
    if (doc.helmCharts !== undefined || doc.helmGlobals !== undefined)
      throw fail(
        file,
        'helmCharts need kustomize --enable-helm, which is off; render the chart with render: helm',
      );
    done.add(dir);
  };
  walk(root, []);
  return result;
}

function parseKustomization(file: string, content: Uint8Array): Doc {
  const docs = parseAllDocuments(Buffer.from(content).toString('utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list[0];
  if (!first || first.errors.length)
    throw fail(file, `invalid YAML: ${first?.errors[0]?.message ?? 'empty'}`);
  const value: unknown = first.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw fail(file, 'a kustomization must be a mapping');
  return value as Doc;
}

function strings(value: unknown, file: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail(file, `${field} must be a list`);
  return value.filter((v): v is string => typeof v === 'string');
}

// Paths of files (patches, generator inputs, CRDs, configurations): kustomize confines these itself, but a
// clear refusal naming the kustomization beats its message about the temporary directory.
function fileEntries(doc: Doc): { field: string; value: string }[] {
  const out: { field: string; value: string }[] = [];
  const add = (field: string, v: unknown) => typeof v === 'string' && out.push({ field, value: v });
  for (const field of ['patchesStrategicMerge', 'crds', 'configurations'])
    for (const v of Array.isArray(doc[field]) ? (doc[field] as unknown[]) : [])
      if (typeof v === 'string' && !v.includes('\n')) add(field, v);
  for (const field of ['patches', 'patchesJson6902', 'replacements'])
    for (const p of Array.isArray(doc[field]) ? (doc[field] as Doc[]) : []) add(field, p?.path);
  add('openapi', (doc.openapi as Doc | undefined)?.path);
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const g of Array.isArray(doc[field]) ? (doc[field] as Doc[]) : []) {
      for (const f of Array.isArray(g?.files) ? (g.files as unknown[]) : [])
        if (typeof f === 'string') add(field, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
      for (const e of Array.isArray(g?.envs) ? (g.envs as unknown[]) : []) add(field, e);
      add(field, g?.env);
    }
  }
  return out;
}

function resolveEntry(file: string, dir: string, entry: string, field: string): string {
  // kustomize's loader GETs any http(s) path (cloud metadata included): files must come from the commit.
  if (URL_SHAPED.test(entry))
    throw fail(file, `${field}: "${entry}" is a URL; files must be in the repository, not fetched`);
  return resolveInRepo(file, dir, entry, `${field}:`);
}

// kustomize's own rule: an entry that is no file or directory of the repository is a remote base.
function isRemote(file: string, dir: string, entry: string, field: string, local: Set<string>): boolean {
  if (URL_SHAPED.test(entry) || /^git::/i.test(entry)) return true;
  return !local.has(resolveEntry(file, dir, entry, field));
}

// Undefined for a missing local path that kustomize cannot parse as remote either: its own error names it.
function allowRemote(file: string, entry: string, spec: KustomizeSpec): string | undefined {
  const remote = remoteOf(entry);
  if (!remote && !URL_SHAPED.test(entry) && !/^git::/i.test(entry) && !/[:@]/.test(entry)) return undefined;
  if (!remote)
    throw fail(file, `remote base "${entry}" is not a URL kustomize's git could be allowed to fetch`);
  if (spec.allowRemote !== true)
    throw fail(file, `remote base "${entry}" is not allowed (kustomize.allowRemote is off for this target)`);
  if (remote === 'ssh')
    throw fail(
      file,
      `remote base "${entry}": only http(s) remote bases can be fetched with the target's credentials`,
    );
  const host = new URL(remote).hostname;
  const allowed = spec.allowedHosts ?? [];
  if (!allowed.includes(host))
    throw fail(
      file,
      `remote base "${entry}": host ${host} is not in kustomize.allowedHosts (${allowed.join(', ') || 'empty'})`,
    );
  if (!disablesSubmodules(entry))
    throw fail(
      file,
      `remote base "${entry}": add submodules=false to its query; kustomize clones submodules by default, from hosts the allow-list does not name`,
    );
  return remote;
}

// As kustomize's parseQuery reads it: the query after the first `?`, defaults (submodules on) when Go's
// url.ParseQuery fails (a `;` or a bad escape), false as Go's strconv.ParseBool spells it.
function disablesSubmodules(entry: string): boolean {
  const query = entry.includes('?') ? entry.slice(entry.indexOf('?') + 1) : '';
  if (query.includes(';') || /%(?![0-9a-f]{2})/i.test(query)) return false;
  const value = new URLSearchParams(query).get('submodules');
  return ['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value ?? '');
}

/**
 * The origin (`https://host[:port]`) kustomize would clone a remote base from, `ssh` for ssh and scp-like
 * forms, or undefined for what it cannot parse, by kustomize's repospec.go rules (`git::` dropped, schemes
 * case-insensitive, `github.com/…` and `github.com:…` without a user meaning https://github.com).
 */
export function remoteOf(entry: string): string | 'ssh' | undefined {
  let rest = entry.split('?')[0]!.replace(/^git::/i, '');
  const scheme = /^(ssh|https|http|file):\/\//i.exec(rest)?.[1]?.toLowerCase();
  if (scheme) rest = rest.slice(scheme.length + 3);
  const user = /^[a-zA-Z][a-zA-Z0-9-]*@/.exec(rest)?.[0];
  if (user) rest = rest.slice(user.length);
  if (/^github\.com[/:]/i.test(rest)) return scheme === 'ssh' || user ? 'ssh' : 'https://github.com';
  if (scheme === 'ssh' || (!scheme && user)) return 'ssh';
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const host = rest.split('/')[0]!;
  // Credentials written into the base's URL would go to the host whatever the allow-list says.
  if (host === '' || /[@\\]/.test(host)) return undefined;
  return URL.canParse(`${scheme}://${host}/`) ? new URL(`${scheme}://${host}/`).origin : undefined;
}

// Without --enable-alpha-plugins kustomize refuses these too; refusing here names the file that asks.
function checkPlugin(kustomization: string, content: string | Uint8Array, file: string): void {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS({ maxAliasCount: 100 }) as Doc | null;
    if (!value || typeof value !== 'object') continue;
    const annotations = ((value.metadata as Doc | undefined)?.annotations ?? {}) as Record<string, unknown>;
    const fn = FUNCTION_ANNOTATIONS.find((a) => a in annotations);
    const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
    if (fn || apiVersion !== 'builtin') {
      const what = fn
        ? `a KRM function (${fn})`
        : `an external plugin (${apiVersion || 'no apiVersion'}/${String(value.kind)})`;
      throw fail(
        file,
        `${what} used by ${kustomization} is not allowed: exec, container and Go plugins are disabled`,
      );
    }
    for (const path of pluginPaths(value))
      if (URL_SHAPED.test(path))
        throw fail(
          file,
          `${String(value.kind)}: "${path}" is a URL; files must be in the repository, not fetched`,
        );
  }
}

// The paths a builtin plugin's config loads (PatchTransformer path, generators' files and envs, …): the
// restrictor confines the local ones, but kustomize's loader would GET a URL.
function pluginPaths(config: Doc): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : [v]);
  const values = [
    config.path,
    ...list(config.paths),
    ...list(config.files).map((f) => (typeof f === 'string' ? f.slice(f.indexOf('=') + 1) : f)),
    ...list(config.envs),
    config.env,
    ...list(config.replacements).map((r) => (r as Doc | null)?.path),
  ];
  return values.filter((v): v is string => typeof v === 'string');
}

function fail(file: string, message: string): ManifestError {
  return new ManifestError('render', message, { file: file || '.' });
}
