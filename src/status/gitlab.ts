import { requestJson } from './http.ts';
import type {
  CommitState,
  HostCoordinates,
  PostedStatus,
  PullRequest,
  StatusWriter,
  TokenSource,
} from './types.ts';

const TO_GITLAB: Record<CommitState, string> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};
const FROM_GITLAB: Record<string, CommitState> = {
  pending: 'pending',
  running: 'pending',
  created: 'pending',
  success: 'success',
  failed: 'failure',
  canceled: 'error',
  skipped: 'success',
};

/**
 * Commit statuses on GitLab and self-hosted GitLab (`POST /projects/:id/statuses/:sha`): the project is its
 * numeric id or its full path (any depth of nested groups) URL-encoded as one segment; GitLab has no `error`
 * state, so `error` is posted as `failed`, its description saying why.
 */
export function gitlabWriter(coords: HostCoordinates, token: TokenSource): StatusWriter {
  const project = `${coords.apiUrl}/projects/${encodeURIComponent(coords.repository)}`;
  const headers = async () => ({ 'private-token': await token() });
  return {
    provider: 'gitlab',
    maxDescription: 255,
    toHost: (state) => TO_GITLAB[state],
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      // Without `all` GitLab answers only the newest status of each name.
      const list = await requestJson<{ name: string; status: string; description: string | null }[]>({
        method: 'GET',
        url: `${project}/repository/commits/${sha}/statuses?name=${encodeURIComponent(context)}`,
        headers: await headers(),
        signal,
      });
      const s = list?.find((x) => x.name === context);
      if (!s) return undefined;
      return { state: FROM_GITLAB[s.status] ?? 'error', description: s.description ?? '' };
    },
    async post(sha, status, signal): Promise<void> {
      await requestJson({
        method: 'POST',
        url: `${project}/statuses/${sha}`,
        headers: await headers(),
        body: {
          state: TO_GITLAB[status.state],
          name: status.context,
          description: status.description,
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        },
        signal,
      });
    },
    async openPulls(baseRef, signal): Promise<PullRequest[]> {
      const list = await requestJson<
        {
          iid: number;
          sha: string;
          source_branch: string;
          target_branch: string;
          source_project_id: number;
          target_project_id: number;
        }[]
      >({
        method: 'GET',
        url: `${project}/merge_requests?state=opened&target_branch=${encodeURIComponent(baseRef)}&per_page=100`,
        headers: await headers(),
        signal,
      });
      // A fork's head is not in the repository the target fetches.
      return (list ?? [])
        .filter((m) => m.source_project_id === m.target_project_id)
        .map((m) => ({
          number: m.iid,
          headCommit: m.sha,
          headRef: m.source_branch,
          baseRef: m.target_branch,
        }));
    },
    async upsertComment(pull, marker, body, signal): Promise<void> {
      // Only a note of the token's own user is ours to edit (a reviewer may quote the marker), and ours is one of
      // the first: GitLab lists notes newest first unless asked, and a long discussion would push it off the page.
      const me = await requestJson<{ id: number }>({
        method: 'GET',
        url: `${coords.apiUrl}/user`,
        headers: await headers(),
        signal,
      });
      const notes = await requestJson<{ id: number; body: string; author?: { id: number } }[]>({
        method: 'GET',
        url: `${project}/merge_requests/${pull}/notes?sort=asc&order_by=created_at&per_page=100`,
        headers: await headers(),
        signal,
      });
      const mine = notes?.find((n) => n.body.includes(marker) && n.author?.id === me?.id);
      await requestJson({
        method: mine ? 'PUT' : 'POST',
        url: `${project}/merge_requests/${pull}/notes${mine ? `/${mine.id}` : ''}`,
        headers: await headers(),
        body: { body },
        signal,
      });
    },
  };
}
