import { AgentError } from './errors.ts';

/**
 * The one form of a target path inside a repository: forward slashes, no `.` or empty segments, no leading
 * or trailing slash, `''` for the root (`./m/./`, `m/.` and `m//` all become `m`). A path that is absolute
 * or climbs with `..` is refused, since it would leave the repository.
 */
export function normalizeRepoPath(path: string): string {
  const trimmed = path.trim();
  const parts = trimmed.split('/').filter((p) => p !== '' && p !== '.');
  if (trimmed.startsWith('/') || parts.includes('..')) {
    throw new AgentError('source', `path "${path}" must be relative and stay inside the repository`, {
      retryable: false,
    });
  }
  return parts.join('/');
}
