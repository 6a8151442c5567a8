import type { WebhookParser } from '../event.ts';
import { header, parseJson, str, strings } from '../json.ts';
import { hmacMatches } from '../verify.ts';

/**
 * Any sender that can sign: `<signatureHeader>: sha256=<hex HMAC-SHA256 of the body>` and a JSON body
 * `{ "event": "push" | "ping", "repo": "<URL>", "ref": "refs/heads/main", "after": "<sha>" }`
 * (`event` defaults to push); an optional `X-Delivery-Id` header names the delivery.
 */
export function genericParser(signatureHeader: string): WebhookParser {
  return {
    provider: 'generic',
    verify: (req, secret) =>
      hmacMatches(req.body, secret.value, header(req.headers, signatureHeader), 'sha256='),
    payload: (req) => parseJson(req.body),
    deliveryId: (req) => header(req.headers, 'x-delivery-id'),
    parse: (_req, p) => {
      const event = str(p, 'event') ?? 'push';
      if (event === 'ping') return { kind: 'ping' };
      const ref = str(p, 'ref');
      if (event !== 'push' || !ref) return { kind: 'other', event };
      const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
      return {
        kind: 'push',
        repoUrls: strings(str(p, 'repo')),
        changes: [{ ref: full, after: str(p, 'after') }],
      };
    },
  };
}
