import type { GitAuth } from './types.ts';

/** Username sent with a token when none is configured. */
export const DEFAULT_GIT_USERNAME = 'git';

/** The `Authorization` header value (`Basic …`) of Git credentials, or undefined when there is no password. */
export function basicAuthorization(auth: GitAuth | undefined): string | undefined {
  if (!auth?.password) return undefined;
  return `Basic ${Buffer.from(`${auth.username || DEFAULT_GIT_USERNAME}:${auth.password}`).toString('base64')}`;
}
