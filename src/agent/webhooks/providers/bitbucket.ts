import type { PullRequestEvent, RefChange, WebhookEvent, WebhookParser } from '../event.ts';
import { at, header, list, num, parseJson, str, strings } from '../json.ts';
import { hmacMatches } from '../verify.ts';

const verify: WebhookParser['verify'] = (req, secret) =>
  hmacMatches(req.body, secret.value, header(req.headers, 'x-hub-signature'), 'sha256=');

/** Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>`, event in `X-Event-Key`, id in `X-Request-UUID`. */
export const bitbucketCloud: WebhookParser = {
  provider: 'bitbucket-cloud',
  verify,
  payload: (req) => parseJson(req.body),
  deliveryId: (req) => header(req.headers, 'x-request-uuid'),
  parse: (req, p) => parseCloud(header(req.headers, 'x-event-key') ?? '', p),
};

// Cloud payloads name no clone URL; the web URL is the clone URL without `.git`, which the matcher ignores.
function parseCloud(event: string, p: unknown): WebhookEvent {
  const repoUrls = strings(str(p, 'repository', 'links', 'html', 'href'));
  if (event === 'repo:push') {
    const changes: RefChange[] = list(p, 'push', 'changes').flatMap((c) => {
      const ref = at(c, 'new') ?? at(c, 'old');
      const name = str(ref, 'name');
      const type = str(ref, 'type');
      if (!name || (type !== 'branch' && type !== 'tag')) return [];
      const full = `refs/${type === 'branch' ? 'heads' : 'tags'}/${name}`;
      return [{ ref: full, after: str(c, 'new', 'target', 'hash') }];
    });
    return { kind: 'push', repoUrls, changes };
  }
  if (event.startsWith('pullrequest:')) {
    const number = num(p, 'pullrequest', 'id');
    const headSha = str(p, 'pullrequest', 'source', 'commit', 'hash');
    const headRef = str(p, 'pullrequest', 'source', 'branch', 'name');
    const baseRef = str(p, 'pullrequest', 'destination', 'branch', 'name');
    if (number === undefined || !headSha || !headRef || !baseRef)
      return { kind: 'other', event: `${event} without source or destination` };
    const action = cloudAction(event.slice('pullrequest:'.length));
    return { kind: 'pull-request', repoUrls, number, action, headSha, headRef, baseRef };
  }
  return { kind: 'other', event };
}

function cloudAction(what: string): PullRequestEvent['action'] {
  if (what === 'created') return 'opened';
  if (what === 'updated') return 'updated';
  if (what === 'fulfilled') return 'merged';
  if (what === 'rejected') return 'closed';
  return 'other';
}

/** Bitbucket Data Center (Server): `X-Hub-Signature: sha256=<hex>`, `X-Event-Key`, `X-Request-Id`; `diagnostics:ping` tests it. */
export const bitbucketServer: WebhookParser = {
  provider: 'bitbucket-server',
  verify,
  payload: (req) => parseJson(req.body),
  deliveryId: (req) => header(req.headers, 'x-request-id'),
  parse: (req, p) => parseServer(header(req.headers, 'x-event-key') ?? '', p),
};

function cloneUrls(repo: unknown): string[] {
  return strings(...list(repo, 'links', 'clone').map((l) => str(l, 'href')));
}

function parseServer(event: string, p: unknown): WebhookEvent {
  if (event === 'diagnostics:ping') return { kind: 'ping' };
  if (event === 'repo:refs_changed') {
    const changes: RefChange[] = list(p, 'changes').flatMap((c) => {
      const ref = str(c, 'ref', 'id') ?? str(c, 'refId');
      if (!ref) return [];
      return [{ ref, after: str(c, 'type') === 'DELETE' ? undefined : str(c, 'toHash') }];
    });
    return { kind: 'push', repoUrls: cloneUrls(at(p, 'repository')), changes };
  }
  if (event.startsWith('pr:')) {
    const pr = at(p, 'pullRequest');
    const number = num(pr, 'id');
    const headSha = str(pr, 'fromRef', 'latestCommit');
    const headRef = str(pr, 'fromRef', 'displayId');
    const baseRef = str(pr, 'toRef', 'displayId');
    if (number === undefined || !headSha || !headRef || !baseRef)
      return { kind: 'other', event: `${event} without fromRef or toRef` };
    const repoUrls = cloneUrls(at(pr, 'toRef', 'repository'));
    return {
      kind: 'pull-request',
      repoUrls,
      number,
      action: serverAction(event.slice(3)),
      headSha,
      headRef,
      baseRef,
    };
  }
  return { kind: 'other', event };
}

function serverAction(what: string): PullRequestEvent['action'] {
  if (what === 'opened') return 'opened';
  if (what === 'from_ref_updated') return 'updated';
  if (what === 'merged') return 'merged';
  if (what === 'declined' || what === 'deleted') return 'closed';
  return 'other';
}
