// Gitea's and Forgejo's commit-status contract (routers/api/v1/repo/status.go): POST
// /api/v1/repos/{owner}/{repo}/statuses/{sha} with a `state` answers 201 with the status as `status`; every post
// inserts a row and the combined status (`GET …/commits/{ref}/status`) holds the newest per context.
import {
  match,
  startContractServer,
  type ContractServer,
  type FakeComment,
  type FakePull,
  type Reply,
} from './server.ts';

/** A stored Gitea status. */
export interface GiteaStatus {
  id: number;
  sha: string;
  status: string;
  context: string;
  description: string;
  target_url: string;
  created_at: string;
}

/** The Gitea contract server and what it holds. */
export interface GiteaFake extends ContractServer {
  statuses: GiteaStatus[];
  pulls: FakePull[];
  comments: FakeComment[];
}

const STATES = ['pending', 'success', 'error', 'failure', 'warning', 'skipped'];

/** Starts the server for one repository `owner/repo`. */
export async function startGitea(opts: { token: string; repository: string }): Promise<GiteaFake> {
  const statuses: GiteaStatus[] = [];
  const pulls: FakePull[] = [];
  const comments: FakeComment[] = [];
  let ids = 0;
  const notFound: Reply = { status: 404, body: { message: "The target couldn't be found.", errors: [] } };
  const server = await startContractServer((req) => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`)
      return { status: 401, body: { message: 'token is required' } };
    const path = req.path.replace(/^\/api\/v1(?=\/)/, '');
    const repoOf = (p: Record<string, string>) => `${p.owner}/${p.repo}`;
    let p = match('/repos/:owner/:repo/statuses/:sha', path);
    if (p && req.method === 'POST') {
      if (repoOf(p) !== opts.repository) return notFound;
      const b = req.body as Record<string, unknown>;
      if (!STATES.includes(String(b.state))) return { status: 422, body: { message: 'invalid state' } };
      const s: GiteaStatus = {
        id: ++ids,
        sha: p.sha!,
        status: String(b.state),
        context: String(b.context ?? ''),
        description: String(b.description ?? ''),
        target_url: String(b.target_url ?? ''),
        created_at: new Date().toISOString(),
      };
      statuses.push(s);
      return { status: 201, body: s };
    }
    p = match('/repos/:owner/:repo/commits/:ref/status', path);
    if (p && req.method === 'GET') {
      if (repoOf(p) !== opts.repository) return notFound;
      const latest = new Map<string, GiteaStatus>();
      for (const s of statuses.filter((x) => x.sha === p!.ref)) latest.set(s.context, s);
      const list = [...latest.values()];
      const state = list.some((s) => s.status === 'error' || s.status === 'failure')
        ? 'failure'
        : list.some((s) => s.status === 'pending') || list.length === 0
          ? 'pending'
          : 'success';
      return { status: 200, body: { state, sha: p.ref, total_count: list.length, statuses: list } };
    }
    p = match('/repos/:owner/:repo/pulls', path);
    if (p && req.method === 'GET') {
      if (repoOf(p) !== opts.repository) return notFound;
      // Gitea pages by limit (at most 50, its default MAX_RESPONSE_ITEMS) and page.
      const q = new URL(req.path, 'http://x').searchParams;
      const limit = Math.min(50, Number(q.get('limit') ?? 30));
      const page = Math.max(1, Number(q.get('page') ?? 1));
      return {
        status: 200,
        body: pulls.slice((page - 1) * limit, page * limit).map((x) => ({
          number: x.number,
          state: 'open',
          head: { sha: x.headSha, ref: x.headRef, repo_id: x.fork ? 2 : 1 },
          base: { ref: x.baseRef, repo_id: 1 },
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
  });
  return Object.assign(server, { statuses, pulls, comments });
}
