import type { Readable } from 'node:stream';

/** A body read in full, or the news that it passed the limit (reading stopped there). */
export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large'; bytesRead: number };

/**
 * Reads a request body of at most `limit` bytes. Past the limit it stops reading and pauses the stream, so a
 * hostile sender can make the agent hold no more than `limit` plus one chunk; the caller answers 413 and drops
 * the connection. A declared Content-Length over the limit is refused before a byte is read.
 */
export function readBody(stream: Readable, limit: number, declaredLength?: number): Promise<BodyResult> {
  if (declaredLength !== undefined && declaredLength > limit)
    return Promise.resolve({ kind: 'too-large', bytesRead: 0 });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        stream.pause();
        chunks.length = 0;
        resolve({ kind: 'too-large', bytesRead: size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve({ kind: 'ok', body: Buffer.concat(chunks, size) });
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    // A sender that hangs up mid-body ends neither with 'end' nor always with 'error'.
    const onClose = (): void => onError(new Error('the connection closed before the body ended'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
