import { requestJson } from './http.ts';
import type { HostCoordinates, PostedStatus, PullRequest, StatusWriter, TokenSource } from './types.ts';

const PULL_PAGE = 50;
const MAX_PULL_PAGES = 20;

/**
 * Commit statuses on Gitea and Forgejo (`POST /repos/{owner}/{repo}/statuses/{sha}`); the newest status of each
 * context comes from the combined status (`GET /repos/{owner}/{repo}/commits/{ref}/status`), whose entries call
 * the state `status`.
 */
export function giteaWriter(coords: HostCoordinates, token: TokenSource): StatusWriter {
  const repo = `${coords.apiUrl}/repos/${coords.repository.split('/').map(encodeURIComponent).join('/')}`;
  const headers = async () => ({ authorization: `token ${await token()}` });
  return {
    provider: 'gitea',
    // Gitea stores the description as TEXT; a status line longer than this helps nobody.
    maxDescription: 1000,
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      const combined = await requestJson<{
        statuses: { context: string; status: string; description: string }[] | null;
      }>({ method: 'GET', url: `${repo}/commits/${sha}/status?limit=100`, headers: await headers(), signal });
      const s = combined?.statuses?.find((x) => x.context === context);
      return s ? { state: s.status as PostedStatus['state'], description: s.description } : undefined;
    },
    async post(sha, status, signal): Promise<void> {
      await requestJson({
        method: 'POST',
        url: `${repo}/statuses/${sha}`,
        headers: await headers(),
        body: {
          state: status.state,
          context: status.context,
          description: status.description,
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        },
        signal,
      });
    },
    async openPulls(baseRef, signal): Promise<PullRequest[]> {
      const out: PullRequest[] = [];
      // Gitea pages by `limit` (its MAX_RESPONSE_ITEMS caps it at 50 by default); bounded, as the lists of other hosts are.
      for (let page = 1; page <= MAX_PULL_PAGES; page++) {
        const list = await requestJson<
          {
            number: number;
            head: { sha: string; ref: string; repo_id: number };
            base: { ref: string; repo_id: number };
          }[]
        >({
          method: 'GET',
          url: `${repo}/pulls?state=open&limit=${PULL_PAGE}&page=${page}`,
          headers: await headers(),
          signal,
        });
        for (const p of list ?? [])
          // A fork's head is not in the repository the target fetches.
          if (p.base.ref === baseRef && p.head.repo_id === p.base.repo_id)
            out.push({ number: p.number, headCommit: p.head.sha, headRef: p.head.ref, baseRef: p.base.ref });
        if ((list ?? []).length < PULL_PAGE) break;
      }
      return out;
    },
    async upsertComment(pull, marker, body, signal): Promise<void> {
      const comments = await requestJson<{ id: number; body: string }[]>({
        method: 'GET',
        url: `${repo}/issues/${pull}/comments`,
        headers: await headers(),
        signal,
      });
      const mine = comments?.find((c) => c.body.includes(marker));
      await requestJson({
        method: mine ? 'PATCH' : 'POST',
        url: mine ? `${repo}/issues/comments/${mine.id}` : `${repo}/issues/${pull}/comments`,
        headers: await headers(),
        body: { body },
        signal,
      });
    },
  };
}
