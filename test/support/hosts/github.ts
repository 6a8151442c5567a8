// GitHub's commit-status contract (docs.github.com/en/rest/commits/statuses): POST /repos/{o}/{r}/statuses/{sha}
// answers 201; 422 for a description over 140 characters, a state outside the four, or the 1001st status of one
// sha and context; the combined status holds the newest of each context. Also mounted under /api/v3 (GHES).
import {
  match,
  startContractServer,
  type ContractServer,
  type FakeComment,
  type FakePull,
  type Reply,
} from './server.ts';

/** A stored GitHub status. */
export interface GitHubStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
}

/** The GitHub contract server and what it holds. */
export interface GitHubFake extends ContractServer {
  statuses: GitHubStatus[];
  pulls: FakePull[];
  comments: FakeComment[];
}

const STATES = ['error', 'failure', 'pending', 'success'];
const MAX_PER_CONTEXT = 1000;

/** Starts the server for one repository `owner/repo`, readable and writable with `token`. */
export async function startGitHub(opts: { token: string; repository: string }): Promise<GitHubFake> {
  const statuses: GitHubStatus[] = [];
  const pulls: FakePull[] = [];
  const comments: FakeComment[] = [];
  let ids = 0;
  let used = 0;
  const routes = (req: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: unknown;
  }): Reply | undefined => {
    const path = req.path.replace(/^\/api\/v3(?=\/)/, '');
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${opts.token}` && auth !== `token ${opts.token}`)
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    if (!req.headers['user-agent'])
      return { status: 403, body: { message: 'Request forbidden by administrative rules.' } };
    const repoOf = (p: Record<string, string>) => `${p.owner}/${p.repo}`;
    // GitHub hides repositories the token cannot see behind 404.
    const notFound = { status: 404, body: { message: 'Not Found' } };
    let p = match('/repos/:owner/:repo/statuses/:sha', path);
    if (p && req.method === 'POST') {
      if (repoOf(p) !== opts.repository) return notFound;
      const b = req.body as Record<string, unknown>;
      const context = typeof b.context === 'string' ? b.context : 'default';
      if (!STATES.includes(String(b.state)) || !/^[0-9a-f]{40}$/.test(p.sha!))
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'Status', field: 'state', code: 'custom' }],
          },
        };
      if (typeof b.description === 'string' && [...b.description].length > 140)
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'Status',
                code: 'custom',
                field: 'description',
                message: 'description is too long (maximum is 140 characters)',
              },
            ],
          },
        };
      if (statuses.filter((s) => s.sha === p!.sha && s.context === context).length >= MAX_PER_CONTEXT)
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'Status',
                code: 'custom',
                message: `This SHA and context has reached the maximum number of statuses.`,
              },
            ],
          },
        };
      const s: GitHubStatus = {
        id: ++ids,
        sha: p.sha!,
        state: String(b.state),
        context,
        description: typeof b.description === 'string' ? b.description : null,
        target_url: typeof b.target_url === 'string' ? b.target_url : null,
        created_at: new Date().toISOString(),
      };
      statuses.push(s);
      return { status: 201, body: s };
    }
    p = match('/repos/:owner/:repo/commits/:ref/status', path);
    if (p && req.method === 'GET') {
      if (repoOf(p) !== opts.repository) return notFound;
      const latest = new Map<string, GitHubStatus>();
      for (const s of statuses.filter((x) => x.sha === p!.ref)) latest.set(s.context, s);
      const list = [...latest.values()].reverse();
      const state = list.some((s) => s.state === 'error' || s.state === 'failure')
        ? 'failure'
        : list.length === 0 || list.some((s) => s.state === 'pending')
          ? 'pending'
          : 'success';
      return { status: 200, body: { state, sha: p.ref, total_count: list.length, statuses: list } };
    }
    p = match('/repos/:owner/:repo/pulls', path);
    if (p && req.method === 'GET') {
      if (repoOf(p) !== opts.repository) return notFound;
      const base = new URL(req.path, 'http://x').searchParams.get('base');
      return {
        status: 200,
        body: pulls
          .filter((x) => !base || x.baseRef === base)
          .map((x) => ({
            number: x.number,
            state: 'open',
            head: { sha: x.headSha, ref: x.headRef, repo: { full_name: x.fork ?? opts.repository } },
            base: { ref: x.baseRef, repo: { full_name: opts.repository } },
          })),
      };
    }
    p = match('/repos/:owner/:repo/issues/:number/comments', path);
    if (p) {
      if (repoOf(p) !== opts.repository) return notFound;
      if (req.method === 'GET')
        return { status: 200, body: comments.filter((c) => c.pull === Number(p!.number)) };
      const c = { id: ++ids, pull: Number(p.number), body: String((req.body as { body?: unknown }).body) };
      comments.push(c);
      return { status: 201, body: c };
    }
    p = match('/repos/:owner/:repo/issues/comments/:id', path);
    if (p && req.method === 'PATCH') {
      const c = comments.find((x) => x.id === Number(p!.id));
      if (!c || repoOf(p) !== opts.repository) return notFound;
      c.body = String((req.body as { body?: unknown }).body);
      return { status: 200, body: c };
    }
    return undefined;
  };
  const server = await startContractServer(
    (req) => {
      const reply = routes(req);
      if (reply) used++;
      return reply;
    },
    () => ({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(5000 - used),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    }),
  );
  return Object.assign(server, { statuses, pulls, comments });
}

/** GitHub's answer when a secondary rate limit is hit: 429 with Retry-After, as GitHub documents it. */
export function githubSecondaryLimit(retryAfterS: number): Reply {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterS), 'x-ratelimit-remaining': '4000' },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    },
  };
}
