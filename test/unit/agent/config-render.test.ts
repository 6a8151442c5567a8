import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config.ts';

const target = (render: string) =>
  `targets:\n  - name: web\n    repo: https://example.com/deploy.git\n    render:\n${render}`;

describe('the render key of a target', () => {
  it('is absent unless given, and mode defaults to auto', () => {
    expect(parseAgentConfig(target('      helm: {}\n')).targets[0]?.target.render).toEqual({
      mode: 'auto',
      helm: {},
    });
    expect(
      parseAgentConfig('targets:\n  - name: web\n    repo: https://example.com/deploy.git\n').targets[0]
        ?.target,
    ).not.toHaveProperty('render');
  });

  it('carries helm, kustomize and limits through', () => {
    const c = parseAgentConfig(
      target(
        [
          '      mode: helm',
          '      helm: { releaseName: web, valuesFiles: [values-prod.yaml], values: { replicas: 2 } }',
          '      kustomize: { allowRemote: true, allowedHosts: [github.com] }',
          '      limits: { timeoutMs: 30000, maxOutputBytes: 1048576, maxMemoryBytes: 536870912 }',
          '',
        ].join('\n'),
      ),
    );
    expect(c.targets[0]?.target.render).toEqual({
      mode: 'helm',
      helm: { releaseName: 'web', valuesFiles: ['values-prod.yaml'], values: { replicas: 2 } },
      kustomize: { allowRemote: true, allowedHosts: ['github.com'] },
      limits: { timeoutMs: 30000, maxOutputBytes: 1048576, maxMemoryBytes: 536870912 },
    });
  });

  it.each([
    ['      mode: jsonnet\n', /render\.mode/],
    ['      helm: { releaseName: Web_1 }\n', /render\.helm\.releaseName: must be a Helm release name/],
    ['      limits: { timeoutMs: 0 }\n', /render\.limits\.timeoutMs/],
    ['      kustomize: { plugins: true }\n', /render\.kustomize: unknown key "plugins"/],
  ])('refuses %j, naming the key', (render, message) => {
    expect(() => parseAgentConfig(target(render))).toThrow(message);
  });
});
