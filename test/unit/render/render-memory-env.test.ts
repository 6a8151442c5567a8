// The agent-wide default of the render memory cap: GITOPS_AGENT_RENDER_MEMORY (the chart sets it to fit the
// container's memory limit), else 1 GiB; a value that is not a whole number of bytes is refused by name.
import { describe, expect, it } from 'vitest';
import { renderMemoryDefault } from '../../../src/render/tools.ts';

describe('renderMemoryDefault', () => {
  it('is $GITOPS_AGENT_RENDER_MEMORY bytes when set, else 1 GiB', () => {
    expect(renderMemoryDefault({ GITOPS_AGENT_RENDER_MEMORY: '167772160' })).toBe(160 * 2 ** 20);
    expect(renderMemoryDefault({})).toBe(2 ** 30);
    expect(renderMemoryDefault({ GITOPS_AGENT_RENDER_MEMORY: '' })).toBe(2 ** 30);
  });

  it('refuses what is not a positive whole number of bytes, naming the variable', () => {
    for (const bad of ['160Mi', '-1', '0', '1.5', '1e9', ' 5'])
      expect(() => renderMemoryDefault({ GITOPS_AGENT_RENDER_MEMORY: bad })).toThrow(
        `GITOPS_AGENT_RENDER_MEMORY must be a positive whole number of bytes, got "${bad}"`,
      );
  });
});
