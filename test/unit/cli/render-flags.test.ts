import { describe, expect, it } from 'vitest';
import { renderFromCli } from '../../../src/cli/render-flags.ts';

describe('renderFromCli', () => {
  it('says nothing when neither flags nor the file do', () => {
    expect(renderFromCli({}, undefined)).toEqual({});
  });

  it('overlays --render, --helm-release and --helm-values on the file', () => {
    expect(
      renderFromCli(
        { render: 'helm', 'helm-release': 'web', 'helm-values': 'a.yaml,b.yaml' },
        { helm: { values: { x: 1 }, releaseName: 'old' } },
      ),
    ).toEqual({
      render: {
        mode: 'helm',
        helm: { values: { x: 1 }, releaseName: 'web', valuesFiles: ['a.yaml', 'b.yaml'] },
      },
    });
    expect(renderFromCli({}, { mode: 'kustomize' })).toEqual({ render: { mode: 'kustomize' } });
  });

  it('names the bad key', () => {
    expect(() => renderFromCli({ render: 'ksonnet' }, undefined)).toThrow(/^render\.mode: /);
    expect(() => renderFromCli({}, { helm: { chart: 'x' } })).toThrow(/^render\.helm: /);
  });
});
