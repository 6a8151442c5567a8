import { renderSchema } from '../agent/config-render.ts';
import type { RenderSpec } from '../core/render-spec.ts';

/**
 * The target's render spec from the config file's `render` key overlaid by `--render`, `--helm-release` and
 * `--helm-values`; nothing when neither says anything (the default, `auto`); errors name the key.
 */
export function renderFromCli(
  values: Record<string, string | boolean | undefined>,
  fromFile: unknown,
): { render?: RenderSpec } {
  const flags = {
    mode: values.render,
    release: values['helm-release'],
    files:
      typeof values['helm-values'] === 'string'
        ? values['helm-values'].split(',').filter(Boolean)
        : undefined,
  };
  if (fromFile === undefined && flags.mode === undefined && flags.release === undefined && !flags.files)
    return {};
  const base = (fromFile ?? {}) as Record<string, unknown>;
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    throw new Error('render must be a mapping');
  const helm = { ...(base.helm as Record<string, unknown> | undefined) };
  if (flags.release !== undefined) helm.releaseName = flags.release;
  if (flags.files) helm.valuesFiles = flags.files;
  const parsed = renderSchema.safeParse({
    ...base,
    ...(flags.mode === undefined ? {} : { mode: flags.mode }),
    ...(Object.keys(helm).length ? { helm } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`render${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  return { render: parsed.data };
}
