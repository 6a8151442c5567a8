// The real kustomize and helm for render tests: built (or found cached) by test/tools/build.sh, handed to the
// agent through GITOPS_AGENT_KUSTOMIZE / GITOPS_AGENT_HELM, and run directly to get the output to compare.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Manifest } from '../../src/core/types.ts';
import { PART_OF_LABEL } from '../../src/core/applyset.ts';

/** Paths of the real binaries; sets the agent's environment variables to them. */
export function useRenderTools(): { kustomize: string; helm: string } {
  const build = (tool: string) =>
    execFileSync('bash', ['test/tools/build.sh', tool], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const kustomize = build('kustomize');
  const helm = build('helm');
  process.env.GITOPS_AGENT_KUSTOMIZE = kustomize;
  process.env.GITOPS_AGENT_HELM = helm;
  return { kustomize, helm };
}

/** Every file under `dir` as repository path (under `prefix`) → text, with `replace` applied to each text. */
export async function fixtureFiles(
  dir: string,
  prefix = '',
  replace: Record<string, string> = {},
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    let text = await readFile(full, 'utf8');
    for (const [from, to] of Object.entries(replace)) text = text.replaceAll(from, to);
    const rel = relative(dir, full);
    out[prefix ? `${prefix}/${rel}` : rel] = text;
  }
  return out;
}

/** Runs `binary args…` in a temp dir holding `files` (`{{dir}}` in args is replaced by it); returns stdout. */
export async function runIn(files: Record<string, string>, binary: string, args: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'render-expect-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return execFileSync(
      binary,
      args.map((a) => a.replaceAll('{{dir}}', dir)),
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          HELM_CACHE_HOME: dir,
          HELM_CONFIG_HOME: dir,
          HELM_DATA_HOME: dir,
        },
        maxBuffer: 64 << 20,
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The objects of a YAML stream, with `namespace` given to those that name none (as the agent does). */
export function objectsOf(yaml: string, namespace?: string, clusterKinds: string[] = []): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object')
    .map((o) =>
      namespace && !o.metadata.namespace && !clusterKinds.includes(o.kind)
        ? { ...o, metadata: { ...o.metadata, namespace } }
        : o,
    );
}

/** Desired objects without the ApplySet label the agent adds, sorted by kind and name. */
export function withoutPartOf(manifests: Manifest[]): KubeObject[] {
  return sortObjects(
    manifests.map(({ object }) => {
      const { [PART_OF_LABEL]: _set, ...labels } = object.metadata.labels ?? {};
      const { labels: _all, ...rest } = object.metadata;
      return { ...object, metadata: Object.keys(labels).length ? { ...rest, labels } : rest };
    }),
  );
}

/** Objects in a stable order: kind, namespace, name. */
export function sortObjects(objects: KubeObject[]): KubeObject[] {
  const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
