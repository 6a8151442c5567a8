import type { PullRequestEvent, WebhookEvent, WebhookParser } from '../event.ts';
import { header, num, parseJson, str, strings } from '../json.ts';
import { secretsEqual, standardWebhookMatches } from '../verify.ts';
import { isZero } from './github.ts';

/**
 * GitLab (and self-hosted): with a signing token as the secret (`whsec_…`), the Standard Webhooks signature
 * over the body, its id and timestamp (`webhook-signature`); with any other secret, `X-Gitlab-Token` is the
 * secret itself, compared in constant time. A `whsec_` secret never accepts the plain token instead.
 */
export const gitlab: WebhookParser = {
  provider: 'gitlab',
  verify: (req, secret) => {
    if (isSigningToken(secret.value)) {
      const h = {
        id: header(req.headers, 'webhook-id'),
        timestamp: header(req.headers, 'webhook-timestamp'),
        signature: header(req.headers, 'webhook-signature'),
      };
      return standardWebhookMatches(h, req.body, secret.value, Date.now());
    }
    const token = header(req.headers, 'x-gitlab-token');
    return secretsEqual(token ?? '', secret.value) && token !== undefined;
  },
  payload: (req) => parseJson(req.body),
  // Idempotency-Key stays the same across GitLab's retries of one delivery; the UUID headers are older.
  deliveryId: (req) =>
    header(req.headers, 'idempotency-key') ??
    header(req.headers, 'x-gitlab-webhook-uuid') ??
    header(req.headers, 'x-gitlab-event-uuid'),
  parse: (req, p) => parseGitLab(header(req.headers, 'x-gitlab-event') ?? '', p),
};

// GitLab signing tokens are `whsec_` and the base64 of 32 random bytes (Standard Webhooks' secret format).
function isSigningToken(secret: Buffer): boolean {
  return secret.toString('utf8').trim().startsWith('whsec_');
}

function parseGitLab(event: string, p: unknown): WebhookEvent {
  const repoUrls = strings(
    str(p, 'project', 'git_http_url'),
    str(p, 'project', 'git_ssh_url'),
    str(p, 'project', 'web_url'),
    str(p, 'repository', 'git_http_url'),
    str(p, 'repository', 'git_ssh_url'),
    str(p, 'repository', 'homepage'),
  );
  if (event === 'Push Hook' || event === 'Tag Push Hook') {
    const ref = str(p, 'ref');
    if (ref === undefined) return { kind: 'other', event: `${event} without ref` };
    const after = str(p, 'checkout_sha') ?? str(p, 'after');
    return { kind: 'push', repoUrls, changes: [{ ref, after: isZero(after) ? undefined : after }] };
  }
  if (event === 'Merge Request Hook') {
    const number = num(p, 'object_attributes', 'iid');
    const headSha = str(p, 'object_attributes', 'last_commit', 'id');
    const headRef = str(p, 'object_attributes', 'source_branch');
    const baseRef = str(p, 'object_attributes', 'target_branch');
    if (number === undefined || !headSha || !headRef || !baseRef)
      return { kind: 'other', event: `${event} without source or target` };
    return {
      kind: 'pull-request',
      repoUrls,
      number,
      action: mrAction(str(p, 'object_attributes', 'action')),
      headSha,
      headRef,
      baseRef,
    };
  }
  return { kind: 'other', event };
}

function mrAction(action: string | undefined): PullRequestEvent['action'] {
  if (action === 'open' || action === 'reopen') return 'opened';
  if (action === 'update') return 'updated';
  if (action === 'close') return 'closed';
  if (action === 'merge') return 'merged';
  return 'other';
}
