import { splitScpAddress } from '../../core/refs.ts';

/**
 * The part of a repository URL that names the repository: lowercase host plus path, without scheme,
 * credentials, port, `.git` or slashes at either end (an `ssh.`/`altssh.` host prefix is dropped too), so
 * `git@host:owner/repo.git`, `ssh://git@host:7999/owner/repo` and `https://user:token@HOST/owner/repo.git` all
 * become `host/owner/repo`; undefined when it is no URL.
 */
export function repoKey(url: string): string | undefined {
  const text = url.trim();
  let host: string;
  let path: string;
  const scp = splitScpAddress(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    host = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    ({ host, path } = scp);
  } else {
    return undefined;
  }
  const clean = path
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/^\/+/, '');
  if (!host || !clean) return undefined;
  return `${host.toLowerCase().replace(/^(ssh|altssh)\./, '')}/${clean}`;
}

/** Whether any of the URLs a host names a repository by is the repository at `targetUrl`. */
export function sameRepo(targetUrl: string, hookUrls: readonly string[]): boolean {
  const want = repoKey(targetUrl);
  if (want === undefined) return false;
  const lower = want.toLowerCase();
  // Hosts treat repository paths case-insensitively (GitHub, GitLab, Gitea, Bitbucket, Azure DevOps).
  return hookUrls.some((u) => repoKey(u)?.toLowerCase() === lower);
}

/**
 * Whether a push of `ref` (full name, `refs/heads/main`) moves what a target follows: its `ref` as a branch
 * (`main`, `refs/heads/main`) or a tag (`v1`, `refs/tags/v1`). A target pinned to a commit SHA follows nothing.
 */
export function followsRef(targetRef: string, pushedRef: string): boolean {
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(targetRef)) return false;
  if (targetRef.startsWith('refs/')) return targetRef === pushedRef;
  return pushedRef === `refs/heads/${targetRef}` || pushedRef === `refs/tags/${targetRef}`;
}
