import type { PullRequestEvent, WebhookEvent, WebhookParser } from '../event.ts';
import { header, list, num, parseJson, str, strings } from '../json.ts';
import { basicAuthMatches } from '../verify.ts';
import { isZero } from './github.ts';

/** Azure DevOps service hooks: basic auth with the hook's user name and password; event type in the body. */
export const azureDevOps: WebhookParser = {
  provider: 'azure-devops',
  verify: (req, secret) =>
    secret.username !== undefined &&
    basicAuthMatches(header(req.headers, 'authorization'), secret.username, secret.value),
  payload: (req) => parseJson(req.body),
  // `id` names the event; the service hook sends the same one again when it retries.
  deliveryId: (_req, p) => str(p, 'id'),
  parse: (_req, p) => parseAzure(p),
};

function parseAzure(p: unknown): WebhookEvent {
  const event = str(p, 'eventType') ?? '';
  const repoUrls = strings(
    str(p, 'resource', 'repository', 'remoteUrl'),
    str(p, 'resource', 'repository', 'sshUrl'),
    str(p, 'resource', 'repository', 'webUrl'),
  );
  if (event === 'git.push') {
    const changes = list(p, 'resource', 'refUpdates').flatMap((u) => {
      const ref = str(u, 'name');
      const after = str(u, 'newObjectId');
      return ref ? [{ ref, after: isZero(after) ? undefined : after }] : [];
    });
    return { kind: 'push', repoUrls, changes };
  }
  if (event.startsWith('git.pullrequest.')) {
    const number = num(p, 'resource', 'pullRequestId');
    const headSha = str(p, 'resource', 'lastMergeSourceCommit', 'commitId');
    const headRef = branch(str(p, 'resource', 'sourceRefName'));
    const baseRef = branch(str(p, 'resource', 'targetRefName'));
    if (number === undefined || !headSha || !headRef || !baseRef)
      return { kind: 'other', event: `${event} without source or target` };
    const action = azureAction(event.slice('git.pullrequest.'.length), str(p, 'resource', 'status'));
    return { kind: 'pull-request', repoUrls, number, action, headSha, headRef, baseRef };
  }
  return { kind: 'other', event };
}

function branch(ref: string | undefined): string | undefined {
  return ref?.replace(/^refs\/heads\//, '');
}

function azureAction(what: string, status: string | undefined): PullRequestEvent['action'] {
  if (what === 'created') return 'opened';
  if (what === 'merged' || status === 'completed') return 'merged';
  if (status === 'abandoned') return 'closed';
  if (what === 'updated') return 'updated';
  return 'other';
}
