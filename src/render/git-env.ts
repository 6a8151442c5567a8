import { basicAuthorization } from '../core/git-auth.ts';
import type { GitAuth } from '../core/types.ts';
import { NO_NETWORK_PROXY } from './tools.ts';

/**
 * The `GIT_CONFIG_*` variables (git-config(1) GIT_CONFIG_COUNT) kustomize's git runs with: https only (http
 * when the target itself uses it), every request through NO_NETWORK_PROXY but those to the allowed `origins`
 * (an empty per-URL `http.<origin>/.proxy` turns the proxy off for them), no redirects (which would leave an
 * origin with its proxy off), and the token only as a header to `repoOrigin` (the target repository's own
 * origin) when it is one of them, never in a URL or an argument.
 */
export function gitAuthEnv(
  origins: readonly string[],
  auth: GitAuth | undefined,
  allowHttp: boolean,
  repoOrigin?: string,
): Record<string, string> {
  const entries: [string, string][] = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['http.proxy', NO_NETWORK_PROXY],
    ['http.followRedirects', 'false'],
  ];
  if (allowHttp) entries.push(['protocol.http.allow', 'always']);
  const reachable = [...new Set(origins)].filter((o) => allowHttp || o.startsWith('https:'));
  for (const origin of reachable) entries.push([`http.${origin}/.proxy`, '']);
  // The target's credentials are for the target's host: another allowed host gets no token of it.
  const header = basicAuthorization(auth);
  if (header && repoOrigin && reachable.includes(repoOrigin))
    entries.push([`http.${repoOrigin}/.extraHeader`, `Authorization: ${header}`]);
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/** `host[:port]` of each origin, for NO_PROXY: kustomize's own HTTP may reach these and nothing else. */
export function proxyExceptions(origins: readonly string[]): string[] {
  return [...new Set(origins.map((o) => new URL(o).host))];
}
