import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Kube } from '../../kube/objects.ts';
import { loadGitAuth } from '../../source/source.ts';
import { splitUrlCredentials } from '../../source/auth.ts';
import { previewRender } from '../../sync/preview.ts';
import { resolveTarget } from '../target.ts';

/**
 * `gitops-agent render`: prints the objects the target's commit renders to (plain YAML, Kustomize or Helm),
 * as a YAML stream with the file each came from, or as JSON; reads the cluster's discovery, writes nothing.
 */
export async function printRendered(
  values: Record<string, string | boolean | undefined>,
  output: 'text' | 'json',
  signal?: AbortSignal,
): Promise<number> {
  const { target, auth: authSource } = await resolveTarget(values);
  const split = splitUrlCredentials(target.url, await loadGitAuth(authSource));
  target.url = split.url;
  const kube = Kube.load(values.kubeconfig as string | undefined);
  try {
    const cacheDir =
      (values['cache-dir'] as string | undefined) ?? join(homedir(), '.cache', 'gitops-agent', 'git');
    const preview = await previewRender(target, { kube, cacheDir, auth: split.auth }, signal);
    const { tool, version } = preview.renderer;
    if (output === 'json') {
      const objects = preview.manifests.map((m) => ({ source: m.source, object: m.object }));
      process.stdout.write(
        `${JSON.stringify({ commit: preview.commit, renderer: preview.renderer, objects }, null, 2)}\n`,
      );
      return 0;
    }
    process.stdout.write(`# commit ${preview.commit}, rendered by ${tool}${version ? ` ${version}` : ''}\n`);
    for (const m of preview.manifests)
      process.stdout.write(
        `---\n# Source: ${m.source.file} (document ${m.source.document + 1})\n${stringify(m.object)}`,
      );
    return 0;
  } finally {
    kube.close();
  }
}
