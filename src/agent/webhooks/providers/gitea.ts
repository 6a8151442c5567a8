import type { WebhookParser, WebhookRequest } from '../event.ts';
import { header, parseJson } from '../json.ts';
import { hmacMatches } from '../verify.ts';
import { parseGitHubStyle } from './github.ts';

// Forgejo sends its own headers beside Gitea's, and Gitea beside Gogs'; the most specific one wins.
const FAMILY = ['x-forgejo', 'x-gitea', 'x-gogs'];

function first(req: WebhookRequest, suffix: string): string | undefined {
  for (const prefix of FAMILY) {
    const v = header(req.headers, `${prefix}-${suffix}`);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Gitea and Forgejo: `X-Gitea-Signature` (`X-Forgejo-Signature`), bare hex HMAC-SHA256 of the body; GitHub-shaped payloads. */
export const gitea: WebhookParser = {
  provider: 'gitea',
  verify: (req, secret) => hmacMatches(req.body, secret.value, first(req, 'signature'), ''),
  payload: (req) => parseJson(req.body),
  deliveryId: (req) => first(req, 'delivery'),
  parse: (req, payload) => parseGitHubStyle(first(req, 'event') ?? '', payload),
};
