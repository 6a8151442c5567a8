import type { PullRequestEvent, WebhookEvent, WebhookParser } from '../event.ts';
import { header, num, parseJson, str, strings } from '../json.ts';
import { hmacMatches } from '../verify.ts';

/** GitHub (and Enterprise Server): `X-Hub-Signature-256: sha256=<hex>` over the raw body, JSON or form-encoded. */
export const github: WebhookParser = {
  provider: 'github',
  verify: (req, secret) =>
    hmacMatches(req.body, secret.value, header(req.headers, 'x-hub-signature-256'), 'sha256='),
  payload: (req) => {
    // A hook set to application/x-www-form-urlencoded sends the JSON as the `payload` field; the signature
    // covers the encoded body, which verify() has already checked.
    if (header(req.headers, 'content-type')?.startsWith('application/x-www-form-urlencoded')) {
      const json = new URLSearchParams(req.body.toString('utf8')).get('payload');
      if (json === null) throw new SyntaxError('form-encoded body without a payload field');
      return JSON.parse(json);
    }
    return parseJson(req.body);
  },
  deliveryId: (req) => header(req.headers, 'x-github-delivery'),
  parse: (req, payload) => parseGitHubStyle(header(req.headers, 'x-github-event') ?? '', payload),
};

/** Reads a GitHub-shaped payload (GitHub, and Gitea, whose payloads follow GitHub's) for event `event`. */
export function parseGitHubStyle(event: string, p: unknown): WebhookEvent {
  const repoUrls = strings(
    str(p, 'repository', 'clone_url'),
    str(p, 'repository', 'html_url'),
    str(p, 'repository', 'ssh_url'),
    str(p, 'repository', 'git_url'),
  );
  if (event === 'ping') return { kind: 'ping' };
  if (event === 'push') {
    const ref = str(p, 'ref');
    if (ref === undefined) return { kind: 'other', event: 'push without ref' };
    const after = str(p, 'after');
    const deleted = p !== null && typeof p === 'object' && 'deleted' in p && p.deleted === true;
    return {
      kind: 'push',
      repoUrls,
      changes: [{ ref, after: deleted || isZero(after) ? undefined : after }],
    };
  }
  if (event === 'pull_request') {
    const number = num(p, 'number') ?? num(p, 'pull_request', 'number');
    const headSha = str(p, 'pull_request', 'head', 'sha');
    const headRef = str(p, 'pull_request', 'head', 'ref');
    const baseRef = str(p, 'pull_request', 'base', 'ref');
    if (number === undefined || !headSha || !headRef || !baseRef)
      return { kind: 'other', event: 'pull_request without head or base' };
    const merged =
      p !== null &&
      typeof p === 'object' &&
      (p as { pull_request?: { merged?: unknown } }).pull_request?.merged === true;
    return {
      kind: 'pull-request',
      repoUrls,
      number,
      action: prAction(str(p, 'action'), merged),
      headSha,
      headRef,
      baseRef,
    };
  }
  return { kind: 'other', event };
}

function prAction(action: string | undefined, merged: boolean): PullRequestEvent['action'] {
  if (action === 'opened' || action === 'reopened') return 'opened';
  if (action === 'synchronize' || action === 'synchronized' || action === 'edited') return 'updated';
  if (action === 'closed') return merged ? 'merged' : 'closed';
  return 'other';
}

/** Whether a SHA is the all-zero id hosts send for a deleted ref. */
export function isZero(sha: string | undefined): boolean {
  return sha !== undefined && /^0+$/.test(sha);
}
