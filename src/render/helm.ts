import { join } from 'node:path';
import { ManifestError } from '../core/errors.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import type { HelmSpec } from '../core/render-spec.ts';
import type { SourceFile } from '../core/types.ts';
import { CHART_FILE } from './detect.ts';
import { resolveInRepo } from './repo-path.ts';
import { runInSandbox } from './run-sandbox.ts';
import type { ToolOutput, ToolRenderOptions } from './tool-output.ts';

/** The cluster a chart is rendered for, from discovery. */
export interface ClusterInfo {
  /** `v1.32.2`. */
  kubeVersion: string;
  /** Every served `group/version` and `group/version/Kind`, for `.Capabilities.APIVersions.Has`. */
  apiVersions: string[];
}

/** Options of a chart render, besides the shared tool options. */
export interface HelmOptions extends ToolRenderOptions {
  spec?: HelmSpec;
  /** Release name when the spec names none. */
  defaultReleaseName: string;
  /** The release namespace: the target's. */
  namespace: string;
  cluster: ClusterInfo;
}

/**
 * Runs `helm template` on the chart at `path` with the spec's values files and inline values, the target's
 * namespace, `--include-crds` and the cluster's version and API versions; no network and no user config
 * (Helm's directories are in the sandbox), so dependencies come only from the chart's own charts/.
 */
export async function helmTemplate(
  files: readonly SourceFile[],
  path: string,
  options: HelmOptions,
): Promise<ToolOutput> {
  const dir = normalizeRepoPath(path);
  const chartFile = dir ? `${dir}/${CHART_FILE}` : CHART_FILE;
  const paths = new Set(files.map((f) => f.path));
  if (!paths.has(chartFile))
    throw new ManifestError('render', 'no Chart.yaml here: not a Helm chart', { file: chartFile });
  const valuesFiles = (options.spec?.valuesFiles ?? []).map((v) => {
    const resolved = resolveInRepo(chartFile, dir, v, 'values file');
    if (!paths.has(resolved))
      throw new ManifestError('render', `values file "${v}" not found at this commit`, { file: resolved });
    return resolved;
  });
  const { stdout, version } = await runInSandbox(
    files,
    {
      tool: 'helm',
      what: 'helm template',
      file: chartFile,
      args: async (box) => {
        const inline =
          options.spec?.values &&
          (await box.writeExtra('inline-values.json', JSON.stringify(options.spec.values)));
        return [
          'template',
          options.spec?.releaseName ?? options.defaultReleaseName,
          dir ? join(box.repo, dir) : box.repo,
          '--namespace',
          options.namespace,
          '--include-crds',
          '--skip-tests',
          '--kube-version',
          options.cluster.kubeVersion,
          ...options.cluster.apiVersions.flatMap((v) => ['--api-versions', v]),
          ...valuesFiles.flatMap((v) => ['--values', join(box.repo, v)]),
          ...(inline ? ['--values', inline] : []),
        ];
      },
    },
    options,
  );
  return {
    files: splitBySource(stdout.toString('utf8'), dir, chartFile),
    renderer: { tool: 'helm', version },
  };
}

/**
 * Splits helm's output into one file per `# Source: <chart>/templates/x.yaml`, renamed to the repository path
 * (`<path>/templates/x.yaml`), so an error names the template that produced the object.
 */
export function splitBySource(output: string, dir: string, chartFile: string): SourceFile[] {
  const byFile = new Map<string, string[]>();
  for (const doc of output.split(/^---[ \t]*$/m)) {
    if (!doc.trim()) continue;
    const source = /^# Source: (.+)$/m.exec(doc)?.[1]?.trim();
    const rest = source?.split('/').slice(1).join('/');
    const file = rest ? (dir ? `${dir}/${rest}` : rest) : chartFile;
    const list = byFile.get(file) ?? [];
    list.push(doc.replace(/^\n/, ''));
    byFile.set(file, list);
  }
  return [...byFile].map(([path, docs]) => ({ path, content: Buffer.from(docs.join('---\n')) }));
}
