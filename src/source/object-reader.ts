import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { PackFile } from './pack-file.ts';
import {
  applyDelta,
  corrupt,
  deltaResultSize,
  OFS_DELTA,
  parseEntryHeader,
  REF_DELTA,
  typeOf,
  type EntryHeader,
  type ObjectType,
} from './pack-format.ts';

/** An object's type and size, known without inflating its content. */
export interface ObjectInfo {
  type: ObjectType;
  size: number;
}

/** One entry of a tree object, shaped like isomorphic-git's TreeEntry. */
export interface TreeItem {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

const HEADER_PROBE = 64;
// Reads jump around the pack, so a window holds about one small object and the entries near it.
const READ_WINDOW_BYTES = 64 << 10;
const WHOLE_PACK_BYTES = 32 << 20;
const CACHE_BYTES = 32 << 20;
const CACHE_ITEM_BYTES = 1 << 20;
const TYPE_CACHE_ENTRIES = 200_000;

// One pack: its index held as the .idx file's bytes, and the pack read through a window on demand.
interface Pack {
  name: string;
  idx: Buffer;
  count: number;
  file: PackFile;
  /** Every entry's offset plus the end of the last one, ascending, to find where an entry ends. */
  ends: Float64Array | undefined;
}

/**
 * Reads objects of a bare repository the way Git does: looked up in each pack's index, read with positioned
 * reads, and inflated one at a time, so memory follows the objects read, not the size of the packs. An
 * object's size is known from its header before its content is inflated.
 */
export class ObjectReader {
  private readonly packs = new Map<string, Pack>();
  private readonly cache = new Map<string, { type: ObjectType; data: Buffer }>();
  private cached = 0;
  private readonly types = new Map<string, ObjectType>();
  private closed = false;
  private readonly gitdir: string;

  private constructor(gitdir: string) {
    this.gitdir = gitdir;
  }

  /** Opens the object store of `gitdir` with every pack it holds now. */
  static async open(gitdir: string): Promise<ObjectReader> {
    const reader = new ObjectReader(gitdir);
    await reader.refresh();
    return reader;
  }

  /** Picks up packs written since the last call (after a fetch). */
  async refresh(): Promise<void> {
    // A call that outlived its deadline may still fetch; once closed, the reader opens nothing more.
    if (this.closed) return;
    const dir = join(this.gitdir, 'objects', 'pack');
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'));
    for (const name of names.sort()) {
      if (this.packs.has(name)) continue;
      const idx = await readFile(join(dir, name));
      if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2)
        throw corrupt(`${name} is not a v2 index`);
      const path = join(dir, name.replace(/\.idx$/, '.pack'));
      // A small pack is read whole on first use (one read instead of one per object); a large one by window.
      const size = (await stat(path)).size;
      const file = await PackFile.open(path, size <= WHOLE_PACK_BYTES ? size : READ_WINDOW_BYTES);
      this.packs.set(name, { name, idx, count: idx.readUInt32BE(8 + 255 * 4), file, ends: undefined });
    }
  }

  /** The type and size of `oid`, or `undefined` when the store does not hold it; inflates no content. */
  async info(oid: string): Promise<ObjectInfo | undefined> {
    const hit = this.cache.get(oid);
    if (hit) return { type: hit.type, size: hit.data.length };
    const found = this.locate(oid);
    if (found) return this.entryInfo(found.pack, found.offset);
    const loose = await this.readLoose(oid, true);
    return loose && { type: loose.type, size: loose.size };
  }

  /** The type and content of `oid`, or `undefined` when the store does not hold it. */
  async read(oid: string): Promise<{ type: ObjectType; data: Buffer } | undefined> {
    const hit = this.cache.get(oid);
    if (hit) return hit;
    const found = this.locate(oid);
    if (found) return this.entry(found.pack, found.offset);
    const object = await this.readLoose(oid, false);
    if (object) this.remember(oid, object);
    return object && { type: object.type, data: object.data };
  }

  /** The entries of tree `oid`; throws when it is missing or not a tree. */
  async readTree(oid: string): Promise<TreeItem[]> {
    return parseTree(await this.readAs(oid, 'tree'));
  }

  /** The object `oid` when it has type `type`; throws a NotFoundError or an ObjectTypeError otherwise. */
  async readAs(oid: string, type: ObjectType): Promise<Buffer> {
    const object = await this.read(oid);
    if (!object) throw Object.assign(new Error(`object ${oid} not found`), { code: 'NotFoundError' });
    if (object.type !== type)
      throw Object.assign(new Error(`object ${oid} is a ${object.type}, not a ${type}`), {
        code: 'ObjectTypeError',
      });
    return object.data;
  }

  /** Closes every pack file. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pack of this.packs.values()) await pack.file.close();
    this.packs.clear();
  }

  private locate(oid: string): { pack: Pack; offset: number } | undefined {
    const key = Buffer.from(oid, 'hex');
    if (key.length !== 20) return undefined;
    for (const pack of this.packs.values()) {
      const { idx, count } = pack;
      const first = key[0]!;
      let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
      let hi = idx.readUInt32BE(8 + first * 4) - 1;
      const names = 8 + 256 * 4;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const c = idx.compare(key, 0, 20, names + mid * 20, names + mid * 20 + 20);
        if (c === 0) return { pack, offset: offsetAt(idx, count, mid) };
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return undefined;
  }

  private async entryInfo(pack: Pack, offset: number): Promise<ObjectInfo> {
    const key = `${pack.name}:${offset}`;
    const hit = this.cache.get(key);
    if (hit) return { type: hit.type, size: hit.data.length };
    const h = parseEntryHeader(await pack.file.bytes(offset, HEADER_PROBE));
    if (h.code !== OFS_DELTA && h.code !== REF_DELTA) return { type: typeOf(h.code), size: h.size };
    // A delta states its result's size in its first bytes; only those are inflated.
    const start = offset + h.headerLength;
    const size = await inflatePrefix(
      (length) => pack.file.bytes(start, length),
      this.endOf(pack, offset) - start,
      deltaResultSize,
    );
    return { type: await this.chainType(pack, offset, h), size };
  }

  // A delta has its chain's base type; types are remembered by position, so a chain is walked once.
  private async chainType(pack: Pack, offset: number, h: EntryHeader): Promise<ObjectType> {
    const key = `${pack.name}:${offset}`;
    const known = this.types.get(key);
    if (known) return known;
    let type: ObjectType;
    if (h.code === OFS_DELTA) {
      const base = offset - (h.baseDistance ?? 0);
      type = await this.chainType(pack, base, parseEntryHeader(await pack.file.bytes(base, HEADER_PROBE)));
    } else if (h.code === REF_DELTA) {
      const base = await this.info(h.baseOid ?? '');
      if (!base) throw corrupt(`delta base ${h.baseOid} missing`);
      type = base.type;
    } else {
      type = typeOf(h.code);
    }
    if (this.types.size >= TYPE_CACHE_ENTRIES) this.types.clear();
    this.types.set(key, type);
    return type;
  }

  // Entries are cached by position, so the bases of a delta chain are inflated once for all the objects
  // that share them, not once per object read.
  private async entry(pack: Pack, offset: number): Promise<{ type: ObjectType; data: Buffer }> {
    const key = `${pack.name}:${offset}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const object = await this.inflateEntry(pack, offset);
    this.remember(key, object);
    return object;
  }

  private async inflateEntry(pack: Pack, offset: number): Promise<{ type: ObjectType; data: Buffer }> {
    const h = parseEntryHeader(await pack.file.bytes(offset, HEADER_PROBE));
    const start = offset + h.headerLength;
    const end = this.endOf(pack, offset);
    const { data } = await pack.file.inflate(start, end, h.size, { keep: true });
    if (!data) throw corrupt('no data');
    if (h.code !== OFS_DELTA && h.code !== REF_DELTA) return { type: typeOf(h.code), data };
    const base =
      h.code === OFS_DELTA
        ? await this.entry(pack, offset - (h.baseDistance ?? 0))
        : await this.read(h.baseOid ?? '');
    if (!base) throw corrupt(`delta base ${h.baseOid} missing`);
    return { type: base.type, data: applyDelta(base.data, data) };
  }

  private endOf(pack: Pack, offset: number): number {
    if (!pack.ends) {
      const ends = new Float64Array(pack.count + 1);
      for (let i = 0; i < pack.count; i++) ends[i] = offsetAt(pack.idx, pack.count, i);
      ends[pack.count] = pack.file.size - 20;
      pack.ends = ends.sort();
    }
    const ends = pack.ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return ends[lo]!;
  }

  private async readLoose(oid: string, headerOnly: boolean) {
    if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
    const raw = await readFile(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2))).catch(
      () => undefined,
    );
    if (!raw) return undefined;
    const data = headerOnly
      ? await inflatePrefix(
          async (length) => raw.subarray(0, length),
          raw.length,
          (head) => (head.indexOf(0) < 0 ? Promise.reject(corrupt('truncated header')) : head),
        )
      : inflateSync(raw);
    const nul = data.indexOf(0);
    const [type, size] = data.toString('latin1', 0, nul).split(' ');
    if (!['commit', 'tree', 'blob', 'tag'].includes(type ?? '')) throw corrupt(`loose object ${oid}`);
    return { type: type as ObjectType, size: Number(size), data: data.subarray(nul + 1) };
  }

  private remember(key: string, object: { type: ObjectType; data: Buffer }): void {
    if (object.data.length > CACHE_ITEM_BYTES || this.cache.has(key)) return;
    this.cache.set(key, object);
    this.cached += object.data.length;
    for (const [key, value] of this.cache) {
      if (this.cached <= CACHE_BYTES) break;
      this.cache.delete(key);
      this.cached -= value.data.length;
    }
  }
}

function offsetAt(idx: Buffer, count: number, i: number): number {
  const table = 8 + 256 * 4 + count * 24;
  const small = idx.readUInt32BE(table + i * 4);
  if (!(small & 0x80000000)) return small;
  return Number(idx.readBigUInt64BE(table + count * 4 + (small & 0x7fffffff) * 8));
}

/** Parses a tree object's entries (`mode name\0` and a 20-byte id each). */
export function parseTree(data: Buffer): TreeItem[] {
  const items: TreeItem[] = [];
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > data.length) throw corrupt('truncated tree');
    const raw = data.toString('latin1', i, space);
    const mode = raw.padStart(6, '0');
    const path = data.toString('utf8', space + 1, nul);
    const oid = data.toString('hex', nul + 1, nul + 21);
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    items.push({ mode, path, oid, type });
    i = nul + 21;
  }
  return items;
}

/**
 * Inflates ever longer prefixes of a zlib stream (64 bytes, then 16 times more each try, up to `available`)
 * until `parse` succeeds on what came out: a dynamic Huffman block's code tables alone can exceed 64 bytes, so
 * a fixed probe yields no output for well-compressed objects.
 */
async function inflatePrefix<T>(
  read: (length: number) => Promise<Buffer>,
  available: number,
  parse: (head: Buffer) => T | Promise<T>,
): Promise<T> {
  for (let probe = HEADER_PROBE; ; probe *= 16) {
    const length = Math.min(probe, available);
    const head = inflateSync(await read(length), { finishFlush: constants.Z_SYNC_FLUSH });
    try {
      return await parse(head);
    } catch (err) {
      if (length >= available || (err as { code?: string }).code !== 'CorruptPack') throw err;
    }
  }
}
