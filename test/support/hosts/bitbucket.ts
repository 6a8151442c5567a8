// Bitbucket's build-status contracts. Cloud (developer.atlassian.com/cloud/bitbucket/rest/api-group-commit-statuses):
// POST /2.0/repositories/{ws}/{slug}/commit/{sha}/statuses/build upserts by `key` (201; `key`, `state`, `url`
// required); GET …/statuses/build/{key}. Data Center (…/server/bitbucket/how-tos/updating-build-status-for-commits):
// POST /rest/api/latest/projects/{KEY}/repos/{slug}/commits/{sha}/builds answers 204; GET
// /rest/build-status/1.0/commits/{sha} pages the builds.
import { match, startContractServer, type ContractServer, type Reply } from './server.ts';

/** A stored Bitbucket build status. */
export interface BitbucketStatus {
  sha: string;
  key: string;
  state: string;
  name?: string;
  description?: string;
  url: string;
  dateAdded: number;
}

/** A Bitbucket contract server and what it holds. */
export interface BitbucketFake extends ContractServer {
  statuses: BitbucketStatus[];
}

const CLOUD_STATES = ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'];
const DC_STATES = ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'CANCELLED', 'UNKNOWN'];

function validate(b: Record<string, unknown>, states: string[]): Reply | undefined {
  const missing = ['key', 'state', 'url'].filter((k) => typeof b[k] !== 'string' || !b[k]);
  if (missing.length)
    return { status: 400, body: { type: 'error', error: { message: `missing ${missing.join(', ')}` } } };
  if (!states.includes(String(b.state)))
    return { status: 400, body: { type: 'error', error: { message: 'invalid state' } } };
  if (String(b.key).length > 255)
    return { status: 400, body: { type: 'error', error: { message: 'key too long' } } };
  return undefined;
}

function upsert(statuses: BitbucketStatus[], sha: string, b: Record<string, unknown>): BitbucketStatus {
  const s: BitbucketStatus = {
    sha,
    key: String(b.key),
    state: String(b.state),
    name: b.name as string | undefined,
    description: b.description as string | undefined,
    url: String(b.url),
    dateAdded: Date.now(),
  };
  const i = statuses.findIndex((x) => x.sha === sha && x.key === s.key);
  if (i >= 0) statuses[i] = s;
  else statuses.push(s);
  return s;
}

/** Starts the Bitbucket Cloud server for `workspace/slug`; the token is a Bearer access token. */
export async function startBitbucketCloud(opts: {
  token: string;
  repository: string;
}): Promise<BitbucketFake> {
  const statuses: BitbucketStatus[] = [];
  const server = await startContractServer((req) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return { status: 401, body: { type: 'error', error: { message: 'Unauthorized' } } };
    const path = req.path.replace(/^\/2\.0(?=\/)/, '');
    let p = match('/repositories/:ws/:slug/commit/:sha/statuses/build', path);
    if (p && req.method === 'POST') {
      if (`${p.ws}/${p.slug}` !== opts.repository)
        return { status: 404, body: { type: 'error', error: { message: 'Repository not found' } } };
      const b = req.body as Record<string, unknown>;
      const bad = validate(b, CLOUD_STATES);
      if (bad) return bad;
      return { status: 201, body: { type: 'commitstatus', ...upsert(statuses, p.sha!, b) } };
    }
    p = match('/repositories/:ws/:slug/commit/:sha/statuses/build/:key', path);
    if (p && req.method === 'GET') {
      const s = statuses.find((x) => x.sha === p!.sha && x.key === decodeURIComponent(p!.key!));
      return s
        ? { status: 200, body: { type: 'commitstatus', ...s } }
        : { status: 404, body: { type: 'error', error: { message: 'Not found' } } };
    }
    return undefined;
  });
  return Object.assign(server, { statuses });
}

/** Starts the Bitbucket Data Center server for `PROJECT/slug` under `/context`; the token is a Bearer HTTP access token. */
export async function startBitbucketServer(opts: {
  token: string;
  repository: string;
  context: string;
}): Promise<BitbucketFake> {
  const statuses: BitbucketStatus[] = [];
  const server = await startContractServer((req) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return { status: 401, body: { errors: [{ message: 'Authentication failed' }] } };
    if (!req.path.startsWith(`${opts.context}/rest/`)) return undefined;
    const path = req.path.slice(opts.context.length);
    let p = match('/rest/api/latest/projects/:key/repos/:slug/commits/:sha/builds', path);
    if (p && req.method === 'POST') {
      if (`${p.key}/${p.slug}` !== opts.repository)
        return { status: 404, body: { errors: [{ message: 'Repository does not exist' }] } };
      if (req.headers['x-atlassian-token'] !== 'no-check')
        return { status: 403, body: { errors: [{ message: 'XSRF check failed' }] } };
      const b = req.body as Record<string, unknown>;
      const bad = validate(b, DC_STATES);
      if (bad) return bad;
      upsert(statuses, p.sha!, b);
      return { status: 204 };
    }
    p = match('/rest/build-status/1.0/commits/:sha', path);
    if (p && req.method === 'GET') {
      const values = statuses.filter((x) => x.sha === p!.sha);
      return { status: 200, body: { size: values.length, limit: 100, isLastPage: true, start: 0, values } };
    }
    return undefined;
  });
  return Object.assign(server, { statuses });
}
