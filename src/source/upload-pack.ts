import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AgentError } from '../core/errors.ts';
import { collectGarbage } from '../core/memory.ts';
import { markRemote } from './errors.ts';
import { indexPack } from './pack-index.ts';
import { badPack } from './pack-format.ts';

/** One fetch over Git's smart HTTP protocol (version 1, stateless): what to ask for and where to put it. */
export interface UploadPackRequest {
  /** Repository URL without credentials. */
  url: string;
  headers: Record<string, string>;
  gitdir: string;
  /** Objects to fetch (with everything they reach). */
  wants: readonly string[];
  /** Commits the store already holds, so the server leaves out what they reach. */
  haves: readonly string[];
  /** The download stops with an error once the pack passes this many bytes. */
  maxBytes: number;
  /** The deadline of the whole call. */
  signal: AbortSignal;
}

/** What a fetch brought: the number of objects in the new pack. */
export interface UploadPackResult {
  objects: number;
}

const FLUSH = Buffer.from('0000');
// Every response chunk is garbage once written, and glibc keeps what V8 frees late as resident memory
// (core/memory.ts), so a large download collects now and then.
const COLLECT_EVERY_BYTES = 8 << 20;
// Without the global agents' 5 s idle timeout, which kills a fetch while the server is still packing
// (https://github.com/nodejs/node/pull/43522); the call's deadline bounds it instead.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * Fetches the objects `wants` reach into a new pack under `objects/pack`, streaming the server's pack to disk
 * as it arrives (never holding it in memory) and indexing it from disk, so memory stays a few MiB whatever the
 * pack holds; the pack's checksum is verified before it is kept.
 */
export async function uploadPack(req: UploadPackRequest): Promise<UploadPackResult> {
  const [first, ...rest] = req.wants;
  if (!first) return { objects: 0 };
  // Only side-band-64k and ofs-delta are asked for: every Git server since 1.6 offers both; no thin pack, so
  // the pack needs no base from the store.
  const lines = [
    pkt(`want ${first} side-band-64k ofs-delta agent=gitops-agent\n`),
    ...rest.map((w) => pkt(`want ${w}\n`)),
    FLUSH,
    ...req.haves.map((h) => pkt(`have ${h}\n`)),
    pkt('done\n'),
  ];
  const res = await post(`${req.url.replace(/\/+$/, '')}/git-upload-pack`, req, Buffer.concat(lines));
  if (res.statusCode !== 200) {
    res.resume();
    const data = { statusCode: res.statusCode, statusMessage: res.statusMessage };
    throw markRemote(Object.assign(new Error(`HTTP Error: ${res.statusCode}`), { code: 'HttpError', data }));
  }
  const packDir = join(req.gitdir, 'objects', 'pack');
  const tmp = join(packDir, `tmp-${randomBytes(6).toString('hex')}.pack`);
  try {
    const trailer = await receive(res, tmp, req);
    const name = `pack-${trailer.toString('hex')}`;
    const idx = join(packDir, `${name}.idx`);
    if (await exists(idx)) return { objects: 0 };
    const pack = join(packDir, `${name}.pack`);
    await rename(tmp, pack);
    // A pack without its index is never read, but it is removed so a failed fetch leaves nothing behind.
    return await indexPack(pack, idx, trailer).catch(async (err: unknown) => {
      await rm(pack, { force: true });
      throw err;
    });
  } finally {
    await rm(tmp, { force: true });
  }
}

// Demultiplexes the side-band response into the pack file; returns the pack's verified trailing checksum.
async function receive(body: IncomingMessage, path: string, req: UploadPackRequest): Promise<Buffer> {
  const file = await open(path, 'w');
  const hash = createHash('sha1');
  let tail = Buffer.alloc(0);
  let written = 0;
  let nextCollection = COLLECT_EVERY_BYTES;
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (pending.length - at >= 4) {
        const length = parseInt(pending.toString('latin1', at, at + 4), 16);
        if (Number.isNaN(length)) throw badPack(`${req.url} sent a malformed response`);
        if (length < 4) {
          at += 4;
          continue;
        }
        if (pending.length - at < length) break;
        const payload = pending.subarray(at + 4, at + length);
        at += length;
        const band = payload[0];
        if (band === 1) {
          const data = payload.subarray(1);
          written += data.length;
          if (written >= nextCollection) {
            nextCollection = written + COLLECT_EVERY_BYTES;
            collectGarbage();
          }
          if (written > req.maxBytes) {
            throw new AgentError(
              'source',
              `the pack ${req.url} sends is over the limit of ${req.maxBytes} bytes (limit maxFetchBytes)`,
              { retryable: false },
            );
          }
          // The last 20 bytes are the checksum of all before them, so they are held back from the hash;
          // nothing else is copied, as every copy of a large pack is garbage the process must collect.
          if (data.length >= 20) {
            hash.update(tail);
            hash.update(data.subarray(0, data.length - 20));
            tail = Buffer.from(data.subarray(data.length - 20));
          } else {
            const both = Buffer.concat([tail, data]);
            hash.update(both.subarray(0, Math.max(0, both.length - 20)));
            tail = both.subarray(Math.max(0, both.length - 20));
          }
          await file.write(data);
        } else if (band === 3) {
          throw markRemote(badPack(`${req.url} refused the fetch: ${payload.toString('utf8', 1).trim()}`));
        } else if (payload.toString('latin1', 0, 4) === 'ERR ') {
          throw markRemote(badPack(`${req.url} refused the fetch: ${payload.toString('utf8', 4).trim()}`));
        }
        // Band 2 is progress text; ACK and NAK lines precede the pack.
      }
      pending = pending.subarray(at);
    }
  } finally {
    await file.close();
  }
  if (written < 32 || !hash.digest().equals(tail))
    throw markRemote(badPack(`the pack ${req.url} sent is incomplete or does not match its checksum`));
  return tail;
}

function pkt(line: string): Buffer {
  const body = Buffer.from(line, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

// isomorphic-git's Node client queues a response body without backpressure
// (isomorphic-git src/utils/fromNodeStream.js), which buffered a whole pack in memory whenever the disk was
// slower than the network; the pack is read straight from Node's response stream instead.
function post(url: string, req: UploadPackRequest, body: Buffer): Promise<IncomingMessage> {
  const https = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const headers = {
      ...req.headers,
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'content-length': String(body.length),
    };
    const options = {
      method: 'POST',
      headers,
      agent: https ? agents.https : agents.http,
      signal: req.signal,
    };
    const request = (https ? httpsRequest : httpRequest)(url, options, resolve);
    request.on('error', (err) => reject(markRemote(err)));
    request.end(body);
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
