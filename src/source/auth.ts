import { readFile, stat } from 'node:fs/promises';
import { AgentError } from '../core/errors.ts';
import { basicAuthorization, DEFAULT_GIT_USERNAME } from '../core/git-auth.ts';
import type { GitAuth } from '../core/types.ts';
import type { GitAuthReader } from './options.ts';

/** Where to find a Git token: a file (e.g. a mounted Secret) or an environment variable. */
export interface GitAuthSource {
  tokenFile?: string;
  tokenEnv?: string;
  /** Basic-auth username; `git` by default (GitHub apps use `x-access-token`, GitLab `oauth2`). */
  username?: string;
}

export { DEFAULT_GIT_USERNAME } from '../core/git-auth.ts';

/** Reads the token named by `source`; `undefined` when neither a file nor an env var is configured. */
export async function loadGitAuth(source: GitAuthSource): Promise<GitAuth | undefined> {
  const username = source.username || DEFAULT_GIT_USERNAME;
  if (source.tokenFile !== undefined && source.tokenEnv !== undefined) {
    throw new AgentError('source', 'set either tokenFile or tokenEnv, not both', { retryable: false });
  }
  if (source.tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(source.tokenFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'read error';
      // A mounted Secret may appear or rotate later, so a missing file is worth retrying.
      throw new AgentError('source', `cannot read Git token file ${source.tokenFile}: ${code}`, {
        retryable: true,
      });
    }
    const token = text.trim();
    if (token === '')
      throw new AgentError('source', `Git token file ${source.tokenFile} is empty`, { retryable: true });
    return { username, password: token };
  }
  if (source.tokenEnv !== undefined) {
    const token = process.env[source.tokenEnv]?.trim();
    if (!token) {
      const message = `environment variable ${source.tokenEnv} holding the Git token is not set`;
      throw new AgentError('source', message, { retryable: false });
    }
    return { username, password: token };
  }
  return undefined;
}

/**
 * A reader of the token named by `source` for long-running callers: the file is read again whenever it changed
 * (a rotated Secret mount swaps it), checked by a stat per call; an environment variable is read every time.
 */
export function gitAuthReader(source: GitAuthSource): GitAuthReader {
  let last: { version: string; auth: GitAuth | undefined } | undefined;
  return async () => {
    if (source.tokenFile === undefined) return loadGitAuth(source);
    const version = await stat(source.tokenFile).then(
      (s) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`,
      () => undefined,
    );
    if (version !== undefined && last?.version === version) return last.auth;
    const auth = await loadGitAuth(source);
    if (version !== undefined) last = { version, auth };
    return auth;
  };
}

/** HTTP headers that authenticate every request up front (isomorphic-git calls onAuth only after a 401). */
export function authHeaders(auth: GitAuth | undefined): Record<string, string> {
  const header = basicAuthorization(auth);
  return header ? { Authorization: header } : {};
}

/** Strings that must never reach a message: the password and its basic-auth encoding. */
export function secretsOf(auth: GitAuth | undefined): string[] {
  const header = authHeaders(auth)['Authorization'];
  return [auth?.password, header?.slice('Basic '.length)].filter((s): s is string => !!s);
}

// A scheme, then everything up to the last `@` before the next whitespace: credentials may hold `/`, `?`, `#`
// or `@` themselves, and a URL the parser refuses is still a URL to keep tokens out of.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;

/**
 * Removes `user:pass@` from every URL in `text`, whatever the credentials contain, and masks each secret.
 * A URL whose path holds an `@` loses what comes before it too: a message may say less, never too much.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_CREDENTIALS, '$1');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/**
 * The repository URL without credentials, otherwise exactly as written (so names derived from it stay stable);
 * throws the "invalid repository URL" error, credentials removed, when it cannot be parsed.
 */
export function credentialFreeUrl(url: string): string {
  splitUrlCredentials(url);
  const scheme = url.indexOf('://') + 3;
  const authorityEnd = url.slice(scheme).search(/[/?#]|$/) + scheme;
  const at = url.lastIndexOf('@', authorityEnd);
  return at < scheme ? url : url.slice(0, scheme) + url.slice(at + 1);
}

/** Splits credentials out of an http(s) URL; explicit `auth` wins over credentials in the URL. */
export function splitUrlCredentials(url: string, auth?: GitAuth): { url: string; auth: GitAuth | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentError('source', `invalid repository URL ${redactWhole(url)}`, { retryable: false });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const message = `unsupported repository URL scheme ${parsed.protocol} (use http or https)`;
    throw new AgentError('source', message, { retryable: false });
  }
  const fromUrl: GitAuth | undefined =
    parsed.username || parsed.password
      ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
      : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, auth: auth ?? fromUrl };
}

// The whole string is one URL, so its credentials end at its last `@`, even where whitespace comes before it.
function redactWhole(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  const at = url.lastIndexOf('@');
  return scheme && at > scheme.length ? scheme + url.slice(at + 1) : redact(url);
}
