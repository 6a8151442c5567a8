import { describe, expect, it } from 'vitest';
import { serialWrites } from '../../../src/agent/parent.ts';

const later =
  <T>(ms: number, value: T, log: string[]): (() => Promise<T>) =>
  async () => {
    await new Promise((r) => setTimeout(r, ms));
    log.push(String(value));
    return value;
  };

describe('serialWrites', () => {
  it('runs one key’s writes in the order asked, whatever they take, and others alongside', async () => {
    const writes = serialWrites();
    const log: string[] = [];
    const results = await Promise.all([
      writes('web', later(30, 'web-1', log)),
      writes('web', later(1, 'web-2', log)),
      writes('api', later(5, 'api-1', log)),
    ]);
    expect(results).toEqual(['web-1', 'web-2', 'api-1']);
    expect(log).toEqual(['api-1', 'web-1', 'web-2']);
  });

  it('goes on after a failed write, and idle() waits for every queued one', async () => {
    const writes = serialWrites();
    const log: string[] = [];
    const failed = writes('web', async () => Promise.reject(new Error('conflict')));
    void writes('web', later(20, 'after', log));
    await expect(failed).rejects.toThrow('conflict');
    expect(log).toEqual([]);
    await writes.idle();
    expect(log).toEqual(['after']);
    await expect(serialWrites().idle()).resolves.toBeUndefined();
  });
});
