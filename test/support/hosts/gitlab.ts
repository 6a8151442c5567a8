// GitLab's commit-status contract (doc/api/commits.md, lib/api/commit_statuses.rb): POST
// /api/v4/projects/:id/statuses/:sha with :id a numeric id or the URL-encoded full path; 400 for a description
// over 255 characters and for the same state posted again onto a pending or running status of that name
// ("Cannot transition status via :run from :running"); a finished status gets a new one appended.
import {
  match,
  startContractServer,
  type ContractServer,
  type FakeComment,
  type FakePull,
  type Reply,
} from './server.ts';

/** A stored GitLab status (a job of the external stage). */
export interface GitLabStatus {
  id: number;
  sha: string;
  status: string;
  name: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
}

/** The GitLab contract server and what it holds. */
export interface GitLabFake extends ContractServer {
  statuses: GitLabStatus[];
  pulls: FakePull[];
  comments: FakeComment[];
}

// The user the token belongs to.
const OWN_USER = 1;
const STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'];
const EVENT: Record<string, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'succeed',
  failed: 'drop',
  canceled: 'cancel',
  skipped: 'skip',
};

/** Starts the server for one project, known by `id` and by `path` (e.g. `group/sub/project`). */
export async function startGitLab(opts: { token: string; id: number; path: string }): Promise<GitLabFake> {
  const statuses: GitLabStatus[] = [];
  const pulls: FakePull[] = [];
  const comments: FakeComment[] = [];
  let ids = 0;
  const ours = (id: string) => id === String(opts.id) || id === encodeURIComponent(opts.path);
  const notFound: Reply = { status: 404, body: { message: '404 Project Not Found' } };
  const server = await startContractServer(
    (req) => {
      const token = req.headers['private-token'] ?? req.headers.authorization?.replace(/^Bearer /, '');
      if (token !== opts.token) return { status: 401, body: { message: '401 Unauthorized' } };
      const path = req.path.replace(/^\/api\/v4(?=\/)/, '');
      if (path === '/user' && req.method === 'GET')
        return { status: 200, body: { id: OWN_USER, username: 'gitops-agent-bot' } };
      let p = match('/projects/:id/statuses/:sha', path);
      if (p && req.method === 'POST') {
        if (!ours(p.id!)) return notFound;
        const b = req.body as Record<string, unknown>;
        const name = String(b.name ?? b.context ?? 'default');
        const state = String(b.state);
        if (!STATES.includes(state))
          return { status: 400, body: { error: 'state does not have a valid value' } };
        if (typeof b.description === 'string' && [...b.description].length > 255)
          return {
            status: 400,
            body: { message: { description: ['is too long (maximum is 255 characters)'] } },
          };
        const latest = statuses.filter((s) => s.sha === p!.sha && s.name === name).at(-1);
        if (latest && (latest.status === 'pending' || latest.status === 'running') && latest.status === state)
          return {
            status: 400,
            body: { message: `Cannot transition status via :${EVENT[state]} from :${latest.status}` },
          };
        const s: GitLabStatus = {
          id: ++ids,
          sha: p.sha!,
          status: state,
          name,
          description: typeof b.description === 'string' ? b.description : null,
          target_url: typeof b.target_url === 'string' ? b.target_url : null,
          created_at: new Date().toISOString(),
        };
        statuses.push(s);
        return { status: 201, body: s };
      }
      p = match('/projects/:id/repository/commits/:sha/statuses', path);
      if (p && req.method === 'GET') {
        if (!ours(p.id!)) return notFound;
        const q = new URL(req.path, 'http://x').searchParams;
        let list = statuses.filter((s) => s.sha === p!.sha && (!q.get('name') || s.name === q.get('name')));
        if (q.get('all') !== 'true') {
          const latest = new Map<string, GitLabStatus>();
          for (const s of list) latest.set(s.name, s);
          list = [...latest.values()];
        }
        return { status: 200, body: list };
      }
      p = match('/projects/:id/merge_requests', path);
      if (p && req.method === 'GET') {
        if (!ours(p.id!)) return notFound;
        const target = new URL(req.path, 'http://x').searchParams.get('target_branch');
        return {
          status: 200,
          body: pulls
            .filter((x) => !target || x.baseRef === target)
            .map((x) => ({
              iid: x.number,
              state: 'opened',
              sha: x.headSha,
              source_branch: x.headRef,
              target_branch: x.baseRef,
              source_project_id: x.fork ? opts.id + 1000 : opts.id,
              target_project_id: opts.id,
            })),
        };
      }
      p = match('/projects/:id/merge_requests/:iid/notes', path);
      if (p) {
        if (!ours(p.id!)) return notFound;
        if (req.method === 'GET') {
          // GitLab lists notes newest first unless sort=asc, one page of per_page (default 20, at most 100).
          const q = new URL(req.path, 'http://x').searchParams;
          const list = comments.filter((c) => c.pull === Number(p!.iid));
          if (q.get('sort') !== 'asc') list.reverse();
          const per = Math.min(100, Number(q.get('per_page') ?? 20));
          const page = Math.max(1, Number(q.get('page') ?? 1));
          return {
            status: 200,
            body: list
              .slice((page - 1) * per, page * per)
              .map((c) => ({ id: c.id, body: c.body, author: { id: c.author ?? OWN_USER } })),
          };
        }
        const c = {
          id: ++ids,
          pull: Number(p.iid),
          body: String((req.body as { body?: unknown }).body),
          author: OWN_USER,
        };
        comments.push(c);
        return { status: 201, body: c };
      }
      p = match('/projects/:id/merge_requests/:iid/notes/:note', path);
      if (p && req.method === 'PUT') {
        const c = comments.find((x) => x.id === Number(p!.note));
        if (!c || !ours(p.id!)) return notFound;
        c.body = String((req.body as { body?: unknown }).body);
        return { status: 200, body: c };
      }
      return undefined;
    },
    () => ({ 'ratelimit-limit': '2000', 'ratelimit-remaining': '1999' }),
  );
  return Object.assign(server, { statuses, pulls, comments });
}

/** GitLab's answer when rate-limited: 429 with Retry-After and the RateLimit-* headers. */
export function gitlabRateLimited(retryAfterS: number): Reply {
  return {
    status: 429,
    headers: {
      'retry-after': String(retryAfterS),
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + retryAfterS),
    },
    body: { message: 'Retry later' },
  };
}
