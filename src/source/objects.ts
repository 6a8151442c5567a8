import * as fs from 'node:fs';
import * as git from 'isomorphic-git';
import { AgentError } from '../core/errors.ts';

/** Where to read objects: a bare repository and the object cache of one call. */
export interface ObjectStore {
  gitdir: string;
  cache: object;
}

/** The type of object `oid` (`commit`, `tag`, `tree`, `blob`), or `undefined` when it is absent. */
export async function objectType(store: ObjectStore, oid: string): Promise<string | undefined> {
  try {
    return (await git.readObject({ fs, ...store, oid, format: 'content' })).type;
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') return undefined;
    throw err;
  }
}

/** Follows annotated tags from `oid` to the commit they point at; anything else is an error naming `ref`. */
export async function peelToCommit(store: ObjectStore, oid: string, ref: string): Promise<string> {
  let current = oid;
  for (let depth = 0; depth < 10; depth++) {
    const { type, object } = await git.readObject({ fs, ...store, oid: current, format: 'parsed' });
    if (type === 'commit') return current;
    if (type !== 'tag') {
      throw new AgentError('source', `ref "${ref}" points at a ${type}, not a commit`, { retryable: false });
    }
    current = (object as { object: string }).object;
  }
  throw new AgentError('source', `ref "${ref}" is a chain of more than 10 tags`, { retryable: false });
}
