import type { GitAuth } from '../../core/types.ts';
import { resolveRemoteCommit } from '../../source/resolve.ts';
import type { PullRequest } from '../../status/types.ts';

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ABBREVIATED_SHA = /^[0-9a-f]{7,39}$/;

/** Whether `head` is a full commit hash (SHA-1 or SHA-256), the only kind a commit status can go on. */
export function isFullHead(head: string): boolean {
  return FULL_SHA.test(head);
}

/** Whether a pull request's head can be resolved to a full commit: an abbreviated hash and a head branch. */
export function isResolvableHead(pull: PullRequest): boolean {
  return ABBREVIATED_SHA.test(pull.headCommit) && pull.headRef !== '';
}

/** Whether two heads name the same commit: equal, or one is an abbreviation of the other. */
export function sameHead(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** The pull request on its full head commit, or why it is not previewed (a log line naming all three). */
export type PreviewHead = { kind: 'full'; pull: PullRequest } | { kind: 'skipped'; message: string };

/**
 * Resolves the abbreviated head of `pull` (Bitbucket Cloud's pull-request webhook gives 12 characters) from the
 * target's own remote: its branch `headRef` must point at a commit that starts with the abbreviation. A branch
 * that moved on (a newer webhook follows) or that the remote lacks (a fork's) is skipped; a listing that fails
 * throws the source stage's error.
 */
export async function resolvePreviewHead(
  pull: PullRequest,
  remote: { url: string; auth: GitAuth | undefined; signal?: AbortSignal },
): Promise<PreviewHead> {
  const prefix = pull.headCommit;
  const commit = await resolveRemoteCommit({ ...remote, ref: `refs/heads/${pull.headRef}` });
  const asked = `pull request #${pull.number} names head ${prefix} on branch ${pull.headRef}`;
  if (commit === undefined)
    return {
      kind: 'skipped',
      message: `preview skipped: ${asked}, which ${remote.url} does not have (a fork's branch?)`,
    };
  if (!commit.startsWith(prefix))
    return {
      kind: 'skipped',
      message: `preview skipped: ${asked}, which points at ${commit} now (a newer webhook follows)`,
    };
  return { kind: 'full', pull: { ...pull, headCommit: commit } };
}
