// Azure DevOps' commit-status contract (learn.microsoft.com/rest/api/azure/devops/git/statuses): POST
// /{org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses?api-version=7.1 with `state`, `description`
// and `context: {name, genre}`; GET …/statuses?latestOnly=true answers the newest per context.
import { match, startContractServer, type ContractServer } from './server.ts';

/** A stored Azure DevOps status. */
export interface AzureStatus {
  id: number;
  sha: string;
  state: string;
  description?: string;
  context: { name: string; genre?: string };
  targetUrl?: string;
}

/** The Azure DevOps contract server and what it holds. */
export interface AzureFake extends ContractServer {
  statuses: AzureStatus[];
}

const STATES = ['notSet', 'pending', 'succeeded', 'failed', 'error', 'notApplicable'];

/** Starts the server for `org/project/repo`; the PAT goes as Basic with an empty user name. */
export async function startAzure(opts: { token: string; repository: string }): Promise<AzureFake> {
  const statuses: AzureStatus[] = [];
  let ids = 0;
  const basic = `Basic ${Buffer.from(`:${opts.token}`).toString('base64')}`;
  const server = await startContractServer((req) => {
    // Azure DevOps answers an anonymous or bad PAT with 203 and a sign-in page; the API clients see 401 with a Bearer.
    if (req.headers.authorization !== basic && req.headers.authorization !== `Bearer ${opts.token}`)
      return {
        status: 401,
        body: { message: 'TF400813: The user is not authorized to access this resource.' },
      };
    const q = new URL(req.path, 'http://x').searchParams;
    if (!q.get('api-version'))
      return { status: 400, body: { message: 'No api-version was supplied for the request.' } };
    const p = match('/:org/:project/_apis/git/repositories/:repo/commits/:sha/statuses', req.path);
    if (!p) return undefined;
    if (`${p.org}/${p.project}/${p.repo}` !== opts.repository)
      return { status: 404, body: { message: 'TF401019: The Git repository does not exist.' } };
    if (req.method === 'POST') {
      const b = req.body as Record<string, unknown>;
      const context = b.context as { name?: string; genre?: string } | undefined;
      if (!STATES.includes(String(b.state)) || !context?.name)
        return { status: 400, body: { message: 'Invalid status' } };
      const s: AzureStatus = {
        id: ++ids,
        sha: p.sha!,
        state: String(b.state),
        description: b.description as string | undefined,
        context: { name: context.name, genre: context.genre },
        targetUrl: b.targetUrl as string | undefined,
      };
      statuses.push(s);
      // The documented answer of Statuses - Create is 200 OK.
      return { status: 200, body: s };
    }
    let list = statuses.filter((s) => s.sha === p.sha).reverse();
    if (q.get('latestOnly') === 'true') {
      const seen = new Set<string>();
      list = list.filter((s) => {
        const k = `${s.context.genre}/${s.context.name}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    return { status: 200, body: { count: list.length, value: list } };
  });
  return Object.assign(server, { statuses });
}
