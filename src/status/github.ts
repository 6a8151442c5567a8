import { Octokit } from '@octokit/core';
import { HostError, hostErrorOf } from './errors.ts';
import { retryAfterMs } from './http.ts';
import type {
  CommitStatus,
  HostCoordinates,
  PostedStatus,
  PullRequest,
  StatusWriter,
  TokenSource,
} from './types.ts';

/** Options of the GitHub writer. */
export interface GitHubOptions {
  /** User-Agent GitHub requires. Default `gitops-agent`. */
  userAgent?: string;
}

/**
 * Commit statuses on GitHub and GitHub Enterprise Server (`POST /repos/{owner}/{repo}/statuses/{sha}`), through
 * Octokit's core client without its retry and throttling plugins: a 5xx or a rate limit (primary, with
 * `x-ratelimit-reset`; secondary, with `retry-after` or GitHub's 60 s) comes back at once as a retryable
 * HostError, so the StatusQueue waits it out off its workers.
 */
export function githubWriter(
  coords: HostCoordinates,
  token: TokenSource,
  opts: GitHubOptions = {},
): StatusWriter {
  const [owner, repo] = coords.repository.split('/') as [string, string];
  const octokit = new Octokit({
    baseUrl: coords.apiUrl,
    userAgent: opts.userAgent ?? 'gitops-agent',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  octokit.hook.before('request', async (options) => {
    options.headers.authorization = `Bearer ${await token()}`;
    options.headers['x-github-api-version'] = '2022-11-28';
  });
  const call = async <T>(
    route: string,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> => {
    try {
      const res = await octokit.request(route, { owner, repo, ...params, request: { signal } });
      return res.data as T;
    } catch (err) {
      throw asHostError(route, err);
    }
  };
  return {
    provider: 'github',
    maxDescription: 140,
    async latest(sha, context, signal): Promise<PostedStatus | undefined> {
      // The combined status holds the newest status of every context (statuses, newest first, would page).
      const data = await call<{ statuses: { context: string; state: string; description: string | null }[] }>(
        'GET /repos/{owner}/{repo}/commits/{ref}/status',
        { ref: sha, per_page: 100 },
        signal,
      );
      const s = data.statuses.find((x) => x.context === context);
      return s ? { state: s.state as PostedStatus['state'], description: s.description ?? '' } : undefined;
    },
    async post(sha, status: CommitStatus, signal): Promise<void> {
      await call(
        'POST /repos/{owner}/{repo}/statuses/{sha}',
        {
          sha,
          state: status.state,
          context: status.context,
          description: status.description,
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        },
        signal,
      );
    },
    async openPulls(baseRef, signal): Promise<PullRequest[]> {
      const data = await call<
        {
          number: number;
          head: { sha: string; ref: string; repo: { full_name: string } | null };
          base: { ref: string; repo: { full_name: string } };
        }[]
      >('GET /repos/{owner}/{repo}/pulls', { state: 'open', base: baseRef, per_page: 100 }, signal);
      // A fork's head (or a deleted fork's, repo null) is not in the repository the target fetches.
      return data
        .filter((p) => p.head.repo?.full_name === p.base.repo.full_name)
        .map((p) => ({
          number: p.number,
          headCommit: p.head.sha,
          headRef: p.head.ref,
          baseRef: p.base.ref,
        }));
    },
    async upsertComment(pull, marker, body, signal): Promise<void> {
      const comments = await call<{ id: number; body?: string }[]>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { issue_number: pull, per_page: 100 },
        signal,
      );
      const mine = comments.find((c) => c.body?.includes(marker));
      if (mine)
        await call(
          'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
          { comment_id: mine.id, body },
          signal,
        );
      else
        await call(
          'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
          { issue_number: pull, body },
          signal,
        );
    },
  };
}

function asHostError(route: string, err: unknown): HostError {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string> } };
  if (typeof e.status !== 'number' || (e.status === 500 && !e.response))
    return new HostError(`${route}: no answer: ${e.message ?? String(err)}`, {
      code: 'HOST_UNAVAILABLE',
      status: 0,
      retryable: true,
      cause: err,
    });
  const headers = new Headers(e.response?.headers ?? {});
  // GitHub: a secondary rate limit without retry-after asks for at least a minute.
  // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
  const secondary = /secondary rate limit/i.test(e.message ?? '') ? 60_000 : undefined;
  const error = hostErrorOf(route, e.status, e.message ?? '', retryAfterMs(headers) ?? secondary);
  // Without Octokit's plugins nothing has been retried or waited out: the StatusQueue does both.
  return error;
}
