// Deliveries as each Git host sends them (headers, signature, payload shape), for the webhook unit tests.
import { createHmac } from 'node:crypto';
import type { WebhookProvider } from '../../../../src/agent/config-webhooks.ts';

/** One delivery: the headers and the raw body. */
export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

const hmac = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

/** A push of `sha` to `ref` of the repository at `repoUrl`, signed with `secret` the way `provider` signs. */
export function pushDelivery(
  provider: WebhookProvider,
  o: { secret: string; repoUrl: string; ref: string; sha: string; id: string },
): Delivery {
  const web = o.repoUrl.replace(/\.git$/, '');
  switch (provider) {
    case 'github':
    case 'gitea': {
      const body = JSON.stringify({
        ref: o.ref,
        before: '0'.repeat(40),
        after: o.sha,
        repository: {
          full_name: 'acme/deploy',
          clone_url: o.repoUrl,
          html_url: web,
          created_at: provider === 'gitea' ? '2026-01-01T00:00:00Z' : 1,
        },
      });
      const sig = hmac(o.secret, body);
      if (provider === 'github')
        return {
          body,
          headers: {
            'x-github-event': 'push',
            'x-github-delivery': o.id,
            'x-hub-signature-256': `sha256=${sig}`,
          },
        };
      return {
        body,
        headers: {
          'x-gitea-event': 'push',
          'x-gitea-delivery': o.id,
          'x-gitea-signature': sig,
          'x-gogs-signature': sig,
          'x-github-event': 'push',
          'x-hub-signature-256': `sha256=${sig}`,
        },
      };
    }
    case 'gitlab':
      return {
        body: JSON.stringify({
          object_kind: 'push',
          ref: o.ref,
          after: o.sha,
          checkout_sha: o.sha,
          project: { git_http_url: o.repoUrl, web_url: web, path_with_namespace: 'acme/deploy' },
        }),
        headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': o.secret, 'idempotency-key': o.id },
      };
    case 'bitbucket-cloud': {
      const name = o.ref.replace(/^refs\/(heads|tags)\//, '');
      const type = o.ref.startsWith('refs/tags/') ? 'tag' : 'branch';
      const body = JSON.stringify({
        push: { changes: [{ new: { type, name, target: { hash: o.sha } }, old: null }] },
        repository: { full_name: 'acme/deploy', links: { html: { href: web } } },
      });
      return {
        body,
        headers: {
          'x-event-key': 'repo:push',
          'x-request-uuid': o.id,
          'x-hub-signature': `sha256=${hmac(o.secret, body)}`,
        },
      };
    }
    case 'bitbucket-server': {
      const body = JSON.stringify({
        eventKey: 'repo:refs_changed',
        repository: {
          slug: 'deploy',
          project: { key: 'ACME' },
          links: { clone: [{ href: o.repoUrl, name: 'http' }] },
        },
        changes: [
          {
            ref: { id: o.ref, type: 'BRANCH' },
            refId: o.ref,
            fromHash: '1'.repeat(40),
            toHash: o.sha,
            type: 'UPDATE',
          },
        ],
      });
      return {
        body,
        headers: {
          'x-event-key': 'repo:refs_changed',
          'x-request-id': o.id,
          'x-hub-signature': `sha256=${hmac(o.secret, body)}`,
        },
      };
    }
    case 'azure-devops':
      return {
        body: JSON.stringify({
          id: o.id,
          eventType: 'git.push',
          resource: {
            refUpdates: [{ name: o.ref, oldObjectId: '1'.repeat(40), newObjectId: o.sha }],
            repository: { remoteUrl: o.repoUrl },
          },
        }),
        headers: { authorization: `Basic ${Buffer.from(`hook:${o.secret}`).toString('base64')}` },
      };
    case 'generic': {
      const body = JSON.stringify({ repo: o.repoUrl, ref: o.ref, after: o.sha });
      return {
        body,
        headers: { 'x-delivery-id': o.id, 'x-signature-256': `sha256=${hmac(o.secret, body)}` },
      };
    }
  }
}

/** The same delivery with its credential replaced by one made with `wrongSecret`. */
export function forged(provider: WebhookProvider, d: Delivery, wrongSecret: string): Delivery {
  const sig = hmac(wrongSecret, d.body);
  const h = { ...d.headers };
  if ('x-hub-signature-256' in h) h['x-hub-signature-256'] = `sha256=${sig}`;
  if ('x-gitea-signature' in h) h['x-gitea-signature'] = sig;
  if ('x-gogs-signature' in h) h['x-gogs-signature'] = sig;
  if ('x-hub-signature' in h) h['x-hub-signature'] = `sha256=${sig}`;
  if ('x-gitlab-token' in h) h['x-gitlab-token'] = wrongSecret;
  if ('x-signature-256' in h) h['x-signature-256'] = `sha256=${sig}`;
  if ('authorization' in h)
    h['authorization'] = `Basic ${Buffer.from(`hook:${wrongSecret}`).toString('base64')}`;
  if (provider === 'github' && !('x-hub-signature-256' in h)) throw new Error('unexpected github delivery');
  return { ...d, headers: h };
}

/** The same delivery with every credential header removed. */
export function unsigned(d: Delivery): Delivery {
  const drop = [
    'x-hub-signature-256',
    'x-hub-signature',
    'x-gitea-signature',
    'x-gogs-signature',
    'x-gitlab-token',
    'x-signature-256',
    'authorization',
  ];
  return { ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => !drop.includes(k))) };
}
