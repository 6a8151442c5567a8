import { createHash } from 'node:crypto';
import { basicAuth, requestJson } from './http.ts';
import type { CommitState, HostCoordinates, PostedStatus, StatusWriter, TokenSource } from './types.ts';

const TO_BITBUCKET: Record<CommitState, string> = {
  pending: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
  error: 'FAILED',
};
const FROM_BITBUCKET: Record<string, CommitState> = {
  INPROGRESS: 'pending',
  SUCCESSFUL: 'success',
  FAILED: 'failure',
  STOPPED: 'error',
  CANCELLED: 'error',
  UNKNOWN: 'pending',
};

/** A Bitbucket status key for a context: Bitbucket Cloud keys stay within 40 characters, so a long one is hashed. */
export function bitbucketKey(context: string): string {
  return context.length <= 40 ? context : createHash('sha1').update(context).digest('hex');
}

/** `user:app-password` as Basic, anything else (an access token) as Bearer. */
function authorization(token: string): string {
  const colon = token.indexOf(':');
  return colon > 0 ? basicAuth(token.slice(0, colon), token.slice(colon + 1)) : `Bearer ${token}`;
}

/**
 * Commit statuses on Bitbucket Cloud (`POST /repositories/{workspace}/{slug}/commit/{sha}/statuses/build`, an
 * upsert by `key`); the token is an access token (Bearer) or `user:app-password` (Basic). `url` is required.
 */
export function bitbucketCloudWriter(
  coords: HostCoordinates,
  token: TokenSource,
  linkFallback: string,
): StatusWriter {
  const repo = `${coords.apiUrl}/repositories/${coords.repository}`;
  return {
    provider: 'bitbucket-cloud',
    toHost: (state) => TO_BITBUCKET[state],
    maxDescription: 255,
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      try {
        const s = await requestJson<{ state: string; description?: string }>({
          method: 'GET',
          url: `${repo}/commit/${sha}/statuses/build/${encodeURIComponent(bitbucketKey(context))}`,
          headers: { authorization: authorization(await token()) },
          signal,
        });
        return s
          ? { state: FROM_BITBUCKET[s.state] ?? 'error', description: s.description ?? '' }
          : undefined;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
    async post(sha, status, signal): Promise<void> {
      await requestJson({
        method: 'POST',
        url: `${repo}/commit/${sha}/statuses/build`,
        headers: { authorization: authorization(await token()) },
        body: {
          key: bitbucketKey(status.context),
          name: status.context,
          state: TO_BITBUCKET[status.state],
          description: status.description,
          url: status.targetUrl ?? linkFallback,
        },
        signal,
      });
    },
  };
}

/**
 * Build statuses on Bitbucket Data Center (`POST /rest/api/latest/projects/{KEY}/repos/{slug}/commits/{sha}/builds`,
 * answered 204); read back through `GET /rest/build-status/1.0/commits/{sha}`. `url` is required.
 */
export function bitbucketServerWriter(
  coords: HostCoordinates,
  token: TokenSource,
  linkFallback: string,
): StatusWriter {
  const [project, slug] = coords.repository.split('/') as [string, string];
  return {
    provider: 'bitbucket-server',
    toHost: (state) => TO_BITBUCKET[state],
    maxDescription: 255,
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      const page = await requestJson<{
        values: { key: string; state: string; description?: string; dateAdded?: number }[];
      }>({
        method: 'GET',
        url: `${coords.apiUrl}/rest/build-status/1.0/commits/${sha}?limit=100`,
        headers: { authorization: authorization(await token()) },
        signal,
      });
      const mine = (page?.values ?? [])
        .filter((v) => v.key === bitbucketKey(context))
        .sort((a, b) => (b.dateAdded ?? 0) - (a.dateAdded ?? 0))[0];
      return mine
        ? { state: FROM_BITBUCKET[mine.state] ?? 'error', description: mine.description ?? '' }
        : undefined;
    },
    async post(sha, status, signal): Promise<void> {
      await requestJson({
        method: 'POST',
        url: `${coords.apiUrl}/rest/api/latest/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(slug)}/commits/${sha}/builds`,
        // Flux sends it too: Bitbucket's XSRF check refuses token-authenticated writes without it.
        headers: { authorization: authorization(await token()), 'x-atlassian-token': 'no-check' },
        body: {
          key: bitbucketKey(status.context),
          name: status.context,
          state: TO_BITBUCKET[status.state],
          description: status.description,
          url: status.targetUrl ?? linkFallback,
        },
        signal,
      });
    },
  };
}
