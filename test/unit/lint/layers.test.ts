// The layering rule of eslint.config.js, run on source text placed in each layer: a wrong import must fail lint.
// ESLint's first start loads typescript-eslint, seconds on a loaded machine, hence the long timeouts.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function restricted(file: string, from: string): Promise<boolean> {
  const [result] = await eslint.lintText(`import { x } from '${from}';\nexport const y = x;\n`, {
    filePath: file,
  });
  return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

describe('import layering', () => {
  it.each([
    ['src/core/refs.ts', '../kube/client.ts'],
    ['src/core/types.ts', '../sync/reconcile.ts'],
    ['src/kube/client.ts', '../health/wait.ts'],
    ['src/plan/plan.ts', '../render/render.ts'],
    ['src/health/wait.ts', '../inventory/store.ts'],
    ['src/source/fetch.ts', '../sync/run.ts'],
    ['src/sync/reconcile.ts', '../agent/agent.ts'],
    ['src/agent/agent.ts', '../cli/main.ts'],
    ['src/render/kinds/x.ts', '../../plan/diff.ts'],
    ['src/status/github.ts', '../plan/mask.ts'],
    ['src/status/github.ts', '../agent/redact.ts'],
  ])(
    '%s may not import %s',
    async (file, from) => {
      expect(await restricted(file, from)).toBe(true);
    },
    60_000,
  );

  it.each([
    ['src/kube/client.ts', '../core/errors.ts'],
    ['src/plan/plan.ts', '../kube/objects.ts'],
    ['src/sync/reconcile.ts', '../plan/plan.ts'],
    ['src/agent/agent.ts', '../sync/reconcile.ts'],
    ['src/cli/main.ts', '../agent/agent.ts'],
    ['src/health/kinds/job.ts', '../../core/types.ts'],
    ['src/status/describe.ts', '../core/types.ts'],
    ['src/agent/host/reporter.ts', '../../status/describe.ts'],
  ])(
    '%s may import %s',
    async (file, from) => {
      expect(await restricted(file, from)).toBe(false);
    },
    60_000,
  );
});
