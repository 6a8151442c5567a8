import { AgentError } from '../core/errors.ts';

/** The four object types a Git object store holds. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** Pack entry type codes (gitformat-pack(5)); 6 and 7 are deltas against another entry. */
export const OFS_DELTA = 6;
export const REF_DELTA = 7;
const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

/** The header of one pack entry: its type code, its inflated size and where its data starts. */
export interface EntryHeader {
  code: number;
  /** Inflated size of the entry's data: the object's size, or the delta's size for 6 and 7. */
  size: number;
  /** Bytes of header before the zlib data, including a delta's base reference. */
  headerLength: number;
  /** OFS_DELTA: how far before this entry its base starts. */
  baseDistance?: number;
  /** REF_DELTA: the base object's id, hex. */
  baseOid?: string;
}

/** The object type of a non-delta type code; throws on anything else. */
export function typeOf(code: number): ObjectType {
  const type = TYPES[code];
  if (!type) throw corrupt(`unknown object type ${code}`);
  return type;
}

/** Parses the entry header at the start of `buf` (at least 32 bytes of it, or to the end of the pack). */
export function parseEntryHeader(buf: Uint8Array): EntryHeader {
  let i = 0;
  let byte = at(buf, i++);
  const code = (byte >> 4) & 7;
  let size = byte & 15;
  let shift = 4;
  while (byte & 0x80) {
    byte = at(buf, i++);
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (code === OFS_DELTA) {
    byte = at(buf, i++);
    let distance = byte & 0x7f;
    while (byte & 0x80) {
      byte = at(buf, i++);
      distance = (distance + 1) * 128 + (byte & 0x7f);
    }
    return { code, size, headerLength: i, baseDistance: distance };
  }
  if (code === REF_DELTA) {
    if (buf.length < i + 20) throw corrupt('truncated delta base id');
    const baseOid = Buffer.from(buf.buffer, buf.byteOffset + i, 20).toString('hex');
    return { code, size, headerLength: i + 20, baseOid };
  }
  typeOf(code);
  return { code, size, headerLength: i };
}

/** The result size a delta declares, read from its first bytes (its base size comes first). */
export function deltaResultSize(delta: Uint8Array): number {
  const base = readVarint(delta, 0);
  return readVarint(delta, base.next).value;
}

/** Applies a Git delta to `base`, checking both sizes it declares. */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Buffer {
  const baseSize = readVarint(delta, 0);
  if (baseSize.value !== base.length) throw corrupt('delta base size mismatch');
  const resultSize = readVarint(delta, baseSize.next);
  const out = Buffer.allocUnsafe(resultSize.value);
  let o = 0;
  let i = resultSize.next;
  while (i < delta.length) {
    const cmd = at(delta, i++);
    if (cmd & 0x80) {
      let offset = 0;
      let size = 0;
      for (let b = 0; b < 4; b++) if (cmd & (1 << b)) offset += at(delta, i++) * 2 ** (8 * b);
      for (let b = 0; b < 3; b++) if (cmd & (0x10 << b)) size += at(delta, i++) << (8 * b);
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || o + size > out.length) throw corrupt('delta copy out of range');
      out.set(base.subarray(offset, offset + size), o);
      o += size;
    } else if (cmd > 0) {
      if (i + cmd > delta.length || o + cmd > out.length) throw corrupt('delta insert out of range');
      out.set(delta.subarray(i, i + cmd), o);
      o += cmd;
      i += cmd;
    } else {
      throw corrupt('delta opcode 0');
    }
  }
  if (o !== out.length) throw corrupt('delta result size mismatch');
  return out;
}

/** The `type size\0` header an object's id is hashed over. */
export function objectHeader(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`);
}

/** An error for a pack or object that does not parse; the cache is dropped and cloned anew. */
export function corrupt(what: string): Error {
  return Object.assign(new Error(`corrupt Git object data: ${what}`), { code: 'CorruptPack' });
}

/** An error for a pack the server sent that is malformed or too large; retrying may help. */
export function badPack(message: string): AgentError {
  return new AgentError('source', message, { retryable: true });
}

function readVarint(buf: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = start;
  let byte: number;
  do {
    byte = at(buf, i++);
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return { value, next: i };
}

function at(buf: Uint8Array, i: number): number {
  const v = buf[i];
  if (v === undefined) throw corrupt('truncated header');
  return v;
}
