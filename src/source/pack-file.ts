import { open, type FileHandle } from 'node:fs/promises';
import { createInflate, inflateSync } from 'node:zlib';
import { collectGarbage } from '../core/memory.ts';
import { corrupt } from './pack-format.ts';

// Objects up to this size are inflated in one call from one read; larger ones are streamed.
const SMALL_OBJECT_BYTES = 2 << 20;
const STREAM_CHUNK = 1 << 20;
// zlib's output chunks of a large object are garbage at once, and glibc keeps what V8 frees late as resident
// memory (see core/memory.ts), so a long stream collects now and then.
const COLLECT_EVERY_BYTES = 8 << 20;

/**
 * A pack (or any file) read through positioned reads and one small window, so a pack of any size costs a few
 * MiB of memory however its objects are visited.
 */
export class PackFile {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private readonly handle: FileHandle;
  private readonly windowBytes: number;
  /** Size of the file in bytes. */
  readonly size: number;

  private constructor(handle: FileHandle, size: number, windowBytes: number) {
    this.handle = handle;
    this.size = size;
    this.windowBytes = windowBytes;
  }

  /**
   * Opens `path` for reading through a window of `windowBytes`: large for a sequential scan, small for
   * random reads, where each miss reads a whole window.
   */
  static async open(path: string, windowBytes: number): Promise<PackFile> {
    const handle = await open(path, 'r');
    return new PackFile(handle, (await handle.stat()).size, windowBytes);
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file); valid until the next call. */
  async bytes(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.size);
    if (position < this.windowStart || end > this.windowStart + this.window.length) {
      const want = Math.max(end - position, Math.min(this.windowBytes, this.size - position));
      this.window = await this.readFresh(position, want);
      this.windowStart = position;
    }
    return this.window.subarray(position - this.windowStart, end - this.windowStart);
  }

  /** A new buffer of up to `length` bytes at `position`, outside the window. */
  async readFresh(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.handle.read(buf, done, buf.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  }

  /** Reads up to `length` bytes at `position` into `buffer` (up to its size); returns the part filled. */
  async readInto(buffer: Buffer, position: number, length: number): Promise<Buffer> {
    const want = Math.min(buffer.length, length, this.size - position);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.handle.read(buffer, done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  /**
   * Inflates the zlib stream starting at `start` (ending before `limit`) in one go when it is small, else in
   * chunks handed to `onData`; resolves with the compressed length, and the data when `keep` is set.
   */
  async inflate(
    start: number,
    limit: number,
    expected: number,
    opts: { keep: boolean; onData?: (chunk: Buffer) => void },
  ): Promise<{ consumed: number; data?: Buffer }> {
    // A deflate stream of n bytes is at most about n + n/1000 + 12 bytes long (zlib's deflateBound).
    const bound = Math.min(limit - start, expected + Math.floor(expected / 256) + 64);
    if (opts.keep || expected <= SMALL_OBJECT_BYTES) {
      const compressed =
        bound <= this.windowBytes ? await this.bytes(start, bound) : await this.readFresh(start, bound);
      const result = tryInflate(compressed);
      if (result) {
        if (result.data.length !== expected) throw corrupt('object size differs from its header');
        opts.onData?.(result.data);
        return { consumed: result.consumed, data: opts.keep ? result.data : undefined };
      }
    }
    const chunks: Buffer[] = [];
    const consumed = await this.inflateStream(start, limit, expected, (chunk) => {
      if (opts.keep) chunks.push(chunk);
      opts.onData?.(chunk);
    });
    return { consumed, data: opts.keep ? Buffer.concat(chunks) : undefined };
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }

  private async inflateStream(
    start: number,
    limit: number,
    expected: number,
    onData?: (chunk: Buffer) => void,
  ): Promise<number> {
    const inflate = createInflate({ chunkSize: 64 << 10 });
    let produced = 0;
    let ended = false;
    inflate.on('data', (chunk: Buffer) => {
      produced += chunk.length;
      onData?.(chunk);
    });
    const done = new Promise<void>((resolve, reject) => {
      inflate.once('end', () => {
        ended = true;
        resolve();
      });
      inflate.once('error', reject);
    });
    let position = start;
    let sinceCollection = 0;
    // One read buffer serves every chunk: each write is awaited before the buffer is filled again.
    const buffer = Buffer.allocUnsafe(Math.min(STREAM_CHUNK, limit - start));
    while (!ended && position < limit) {
      const chunk = await this.readInto(buffer, position, limit - position);
      if (chunk.length === 0) break;
      position += chunk.length;
      sinceCollection += chunk.length;
      if (sinceCollection >= COLLECT_EVERY_BYTES) {
        sinceCollection = 0;
        collectGarbage();
      }
      const written = new Promise<void>((resolve, reject) =>
        inflate.write(chunk, (err) => (err ? reject(err) : resolve())),
      );
      // Once the stream's end is inside a chunk, zlib drops the rest and may never call back for it.
      await Promise.race([written, done]);
    }
    if (!ended) inflate.end();
    await done.catch((err: unknown) => Promise.reject(corrupt(`zlib: ${(err as Error).message}`)));
    if (produced !== expected) throw corrupt('object size differs from its header');
    return inflate.bytesWritten;
  }
}

function tryInflate(compressed: Buffer): { data: Buffer; consumed: number } | undefined {
  try {
    const { buffer, engine } = inflateSync(compressed, { info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    return { data: buffer, consumed: engine.bytesWritten };
  } catch {
    // Cut short by the bound, or corrupt: the streaming path tells which.
    return undefined;
  }
}
