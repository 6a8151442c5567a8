import { posix } from 'node:path';
import { ManifestError } from '../core/errors.ts';

/**
 * The repository path of `entry`, relative to the directory `dir` of `file`, refusing an absolute path and one
 * that climbs out of the repository with an error naming `file` and what the entry is (`what`).
 */
export function resolveInRepo(file: string, dir: string, entry: string, what: string): string {
  if (posix.isAbsolute(entry) || /^[A-Za-z]:[\\/]/.test(entry))
    throw fail(file, `${what} absolute path "${entry}" is not allowed; use a path inside the repository`);
  const joined = posix.normalize(posix.join(dir || '.', entry.replace(/\/+$/, '')));
  if (joined === '..' || joined.startsWith('../'))
    throw fail(file, `${what} "${entry}" is outside the repository`);
  return joined === '.' ? '' : joined;
}

function fail(file: string, message: string): ManifestError {
  return new ManifestError('render', message, { file: file || '.' });
}
