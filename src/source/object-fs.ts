import * as fs from 'node:fs';
import { readdir } from 'node:fs/promises';

// One shared error: isomorphic-git only checks `code`, and building a Node error with a stack per probe
// showed up as a tenth of the source stage's time.
const NOT_FOUND = Object.freeze(
  Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }),
);

/**
 * Node's fs for reading objects of a bare clone, where fetched objects live in packs: a read of a loose object
 * whose fan-out directory does not exist fails at once instead of with a failed open(), and isomorphic-git's
 * per-call probe `readFile()` (no path) is answered without building an error
 * (isomorphic-git src/models/FileSystem.js isPromiseFs).
 */
export async function objectReadFs(gitdir: string): Promise<typeof fs> {
  const objects = `${gitdir}/objects/`;
  const looseDirs = new Set(
    (await readdir(objects).catch(() => [] as string[])).filter((d) => d.length === 2),
  );
  const readFile = (path?: unknown, options?: unknown): Promise<unknown> => {
    if (typeof path !== 'string') return Promise.reject(NOT_FOUND);
    const loose = path.startsWith(objects) && path[objects.length + 2] === '/';
    if (loose && !looseDirs.has(path.slice(objects.length, objects.length + 2)))
      return Promise.reject(NOT_FOUND);
    return fs.promises.readFile(path, options as fs.ObjectEncodingOptions);
  };
  return { ...fs, promises: { ...fs.promises, readFile } } as unknown as typeof fs;
}
