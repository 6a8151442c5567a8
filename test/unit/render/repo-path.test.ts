import { describe, expect, it } from 'vitest';
import { helmTemplate } from '../../../src/render/helm.ts';
import { resolveInRepo } from '../../../src/render/repo-path.ts';
import { DEFAULT_TOOL_LIMITS } from '../../../src/render/tools.ts';

describe('resolveInRepo', () => {
  it('resolves inside the repository and refuses absolute and climbing paths, naming the file', () => {
    expect(resolveInRepo('app/kustomization.yaml', 'app', '../base/', 'resources:')).toBe('base');
    expect(resolveInRepo('Chart.yaml', '', './values.yaml', 'values file')).toBe('values.yaml');
    expect(() => resolveInRepo('app/Chart.yaml', 'app', '../../x', 'values file')).toThrow(
      'app/Chart.yaml: values file "../../x" is outside the repository',
    );
    expect(() => resolveInRepo('a/k.yaml', 'a', 'C:\\x', 'crds:')).toThrow('crds: absolute path "C:\\x"');
  });

  it('is the check Helm values files get, before any tool runs', async () => {
    const chart = [{ path: 'app/Chart.yaml', content: Buffer.from('name: c\n') }];
    const options = {
      limits: DEFAULT_TOOL_LIMITS,
      defaultReleaseName: 'r',
      namespace: 'n',
      cluster: { kubeVersion: 'v1.32.2', apiVersions: [] },
    };
    await expect(
      helmTemplate(chart, 'app', { ...options, spec: { valuesFiles: ['/etc/shadow'] } }),
    ).rejects.toThrow('app/Chart.yaml: values file absolute path "/etc/shadow" is not allowed');
  });
});
