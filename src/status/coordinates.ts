import { splitScpAddress } from '../core/refs.ts';
import type { HostCoordinates, Provider } from './types.ts';

/** What the config may say instead of what the repository URL implies. */
export interface CoordinateOverrides {
  provider?: Provider;
  apiUrl?: string;
  repository?: string;
}

/** A repository URL whose host or path does not say where its API is. */
export class CoordinatesError extends Error {
  readonly code = 'HOST_COORDINATES';

  constructor(message: string) {
    super(message);
    this.name = 'CoordinatesError';
  }
}

/**
 * The API coordinates of a repository URL (`https://`, `ssh://` or scp-like `git@host:path`), as Flux's
 * `parseGitAddress` derives them, with every key the config sets taking precedence. The provider comes from the
 * host name (github, gitlab, gitea/codeberg/forgejo, bitbucket.org, dev.azure.com/visualstudio.com, a `/scm/`
 * path for Bitbucket Data Center); any other host needs `provider`.
 */
export function coordinatesOf(repoUrl: string, overrides: CoordinateOverrides = {}): HostCoordinates {
  const { host, origin, path } = splitUrl(repoUrl);
  const provider = overrides.provider ?? guessProvider(host, path);
  if (!provider)
    throw new CoordinatesError(
      `cannot tell the Git host of ${host} from the repository URL: set host.provider (github, gitlab, gitea, bitbucket-cloud, bitbucket-server, azure-devops)`,
    );
  const derived = derive(provider, origin, host, path);
  const coords = {
    provider,
    apiUrl: (overrides.apiUrl ?? derived.apiUrl).replace(/\/+$/, ''),
    repository: overrides.repository ?? derived.repository,
  };
  checkRepository(coords);
  return coords;
}

/**
 * The repository's web page over https, for links such as Bitbucket's required status `url`: never the clone URL
 * itself, which may be an SSH form or carry credentials.
 */
export function webUrlOf(repoUrl: string, coords: HostCoordinates): string {
  const { origin, path } = splitUrl(repoUrl);
  if (coords.provider === 'bitbucket-server') {
    const [project, slug] = coords.repository.split('/');
    // An SSH clone URL has no /scm/ context path; the API URL does (or is configured), and so does the web side.
    return `${coords.apiUrl}/projects/${project}/repos/${slug}`;
  }
  return `${origin}/${trimPath(path)}`;
}

function splitUrl(repoUrl: string): { host: string; origin: string; path: string } {
  const scp = splitScpAddress(repoUrl);
  if (scp) return { host: scp.host, origin: `https://${scp.host}`, path: scp.path };
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    throw new CoordinatesError(`not a repository URL: ${repoUrl.replace(/\/\/[^@/]*@/, '//')}`);
  }
  // ssh:// and git:// URLs name the same host's web side over https; their port is the SSH one.
  const origin =
    url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : `https://${url.hostname}`;
  return { host: url.hostname, origin, path: decodeURIComponent(url.pathname) };
}

function guessProvider(host: string, path: string): Provider | undefined {
  const h = host.toLowerCase();
  if (h === 'github.com' || h.includes('github')) return 'github';
  if (h.includes('gitlab')) return 'gitlab';
  if (h === 'bitbucket.org') return 'bitbucket-cloud';
  if (h === 'dev.azure.com' || h.endsWith('.visualstudio.com') || h === 'ssh.dev.azure.com')
    return 'azure-devops';
  if (/(^|\/)scm\//.test(path) || h.includes('bitbucket')) return 'bitbucket-server';
  if (h.includes('gitea') || h.includes('forgejo') || h === 'codeberg.org') return 'gitea';
  return undefined;
}

function trimPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

function derive(provider: Provider, origin: string, host: string, rawPath: string): HostCoordinates {
  const path = trimPath(rawPath);
  switch (provider) {
    case 'github':
      return {
        provider,
        apiUrl: host === 'github.com' ? 'https://api.github.com' : `${origin}/api/v3`,
        repository: path.split('/').slice(-2).join('/'),
      };
    case 'gitlab':
      return { provider, apiUrl: `${origin}/api/v4`, repository: path };
    case 'gitea': {
      // Gitea may live under a subpath: everything before the last two segments is its prefix.
      const parts = path.split('/');
      const prefix = parts.slice(0, -2).join('/');
      return {
        provider,
        apiUrl: `${origin}${prefix ? `/${prefix}` : ''}/api/v1`,
        repository: parts.slice(-2).join('/'),
      };
    }
    case 'bitbucket-cloud':
      return { provider, apiUrl: 'https://api.bitbucket.org/2.0', repository: path };
    case 'bitbucket-server': {
      const at = path.lastIndexOf('scm/');
      const context = at > 0 ? `/${path.slice(0, at).replace(/\/+$/, '')}` : '';
      const rest = at >= 0 ? path.slice(at + 4) : path;
      return { provider, apiUrl: `${origin}${context}`, repository: rest };
    }
    case 'azure-devops': {
      // https://dev.azure.com/{org}/{project}/_git/{repo}, https://{org}.visualstudio.com/{project}/_git/{repo},
      // git@ssh.dev.azure.com:v3/{org}/{project}/{repo}
      const parts = path.split('/').filter((p) => p !== '_git' && p !== 'v3');
      const org = host.endsWith('.visualstudio.com') ? host.split('.')[0]! : parts.shift()!;
      return { provider, apiUrl: 'https://dev.azure.com', repository: [org, ...parts].join('/') };
    }
  }
}

function checkRepository(c: HostCoordinates): void {
  const segments = c.repository.split('/').filter(Boolean);
  const want: Partial<Record<Provider, number>> = {
    github: 2,
    gitea: 2,
    'bitbucket-cloud': 2,
    'bitbucket-server': 2,
    'azure-devops': 3,
  };
  const n = want[c.provider];
  const ok = n === undefined ? segments.length >= 1 : segments.length === n;
  if (!ok)
    throw new CoordinatesError(
      `${c.provider} repository "${c.repository}" must have ${n ?? 'at least 1'} path segment(s); set host.repository`,
    );
}
