import { AgentError } from '../core/errors.ts';
import type { ObjectReader } from './object-reader.ts';

/** Where to read objects: a bare repository and the reader of its packs for one call. */
export interface ObjectStore {
  gitdir: string;
  objects: ObjectReader;
}

/** The type of object `oid` (`commit`, `tag`, `tree`, `blob`), or `undefined` when it is absent. */
export async function objectType(store: ObjectStore, oid: string): Promise<string | undefined> {
  return (await store.objects.info(oid))?.type;
}

/** Follows annotated tags from `oid` to the commit they point at; anything else is an error naming `ref`. */
export async function peelToCommit(store: ObjectStore, oid: string, ref: string): Promise<string> {
  let current = oid;
  for (let depth = 0; depth < 10; depth++) {
    const object = await store.objects.read(current);
    if (!object) throw Object.assign(new Error(`object ${current} not found`), { code: 'NotFoundError' });
    if (object.type === 'commit') return current;
    if (object.type !== 'tag') {
      throw new AgentError('source', `ref "${ref}" points at a ${object.type}, not a commit`, {
        retryable: false,
      });
    }
    current = /^object ([0-9a-f]{40})$/m.exec(object.data.toString('latin1'))?.[1] ?? '';
  }
  throw new AgentError('source', `ref "${ref}" is a chain of more than 10 tags`, { retryable: false });
}

/** The root tree of commit `oid`. */
export async function commitTree(store: ObjectStore, oid: string): Promise<string> {
  const data = await store.objects.readAs(oid, 'commit');
  const tree = /^tree ([0-9a-f]{40})$/m.exec(data.toString('latin1', 0, 100))?.[1];
  if (!tree) throw Object.assign(new Error(`commit ${oid} names no tree`), { code: 'CorruptPack' });
  return tree;
}
