import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../../../src/agent/webhooks/body.ts';

// An endless stream that counts how many chunks were pulled from it.
function endless(chunkSize: number): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const chunk = Buffer.alloc(chunkSize, 0x61);
  const stream = new Readable({
    read() {
      pulled++;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readBody', () => {
  it('returns the whole body when it fits', async () => {
    const r = await readBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(r).toEqual({ kind: 'ok', body: Buffer.from('abcd') });
  });

  it('stops reading an endless body just past the limit', async () => {
    const { stream, pulled } = endless(1024);
    const r = await readBody(stream, 10 * 1024);
    expect(r).toEqual({ kind: 'too-large', bytesRead: 11 * 1024 });
    await new Promise((res) => setTimeout(res, 50));
    // Paused: the 11 chunks read plus at most the stream's read-ahead buffer (highWaterMark), then nothing.
    expect(pulled()).toBeLessThanOrEqual(11 + stream.readableHighWaterMark / 1024 + 2);
    const before = pulled();
    await new Promise((res) => setTimeout(res, 50));
    expect(pulled()).toBe(before);
    stream.destroy();
  });

  it('refuses a declared length over the limit without reading', async () => {
    const { stream, pulled } = endless(1024);
    expect(await readBody(stream, 100, 101)).toEqual({ kind: 'too-large', bytesRead: 0 });
    expect(pulled()).toBe(0);
    stream.destroy();
  });
});
