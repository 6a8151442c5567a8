/** The state of a commit status, in GitHub's words; each writer maps it to its host's. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** One status to set on a commit. */
export interface CommitStatus {
  state: CommitState;
  /** Names the check: one per cluster and target, e.g. `gitops-agent/prod/web`. */
  context: string;
  /** One line; the writer cuts it to the host's limit. */
  description: string;
  /** Link shown with the status; absent when none is configured. */
  targetUrl?: string;
}

/** The newest status a host holds for one context on one commit. */
export interface PostedStatus {
  state: CommitState;
  description: string;
}

/** An open pull request: where it comes from and goes to. */
export interface PullRequest {
  number: number;
  headCommit: string;
  headRef: string;
  baseRef: string;
}

/** The hosts that have a writer. */
export type Provider =
  'github' | 'gitlab' | 'gitea' | 'bitbucket-cloud' | 'bitbucket-server' | 'azure-devops';

/** Where a repository's API is and how it names the repository there. */
export interface HostCoordinates {
  provider: Provider;
  /** API base URL, e.g. `https://api.github.com`, `https://git.example/api/v4`. */
  apiUrl: string;
  /**
   * The repository as the API names it: `owner/repo` (GitHub, Gitea), the full project path or numeric id
   * (GitLab), `workspace/slug` (Bitbucket Cloud), `PROJECT/slug` (Bitbucket Data Center),
   * `organization/project/repository` (Azure DevOps).
   */
  repository: string;
}

/** Writes commit statuses on one repository of one host. */
export interface StatusWriter {
  readonly provider: Provider;
  /** Longest description the host takes. */
  readonly maxDescription: number;
  /** The state as the host stores it (GitLab and Bitbucket fold `error` into failed); absent where it is the same. */
  toHost?(state: CommitState): string;
  /** The newest status of `context` on `sha`, or undefined when there is none. */
  latest(sha: string, context: string, signal?: AbortSignal): Promise<PostedStatus | undefined>;
  /** Sets a status on `sha`. */
  post(sha: string, status: CommitStatus, signal?: AbortSignal): Promise<void>;
  /** Open pull requests into `baseRef` (a branch name); absent where the writer cannot list them. */
  openPulls?(baseRef: string, signal?: AbortSignal): Promise<PullRequest[]>;
  /** Creates, or updates in place, the pull request's comment that contains `marker`. */
  upsertComment?(pull: number, marker: string, body: string, signal?: AbortSignal): Promise<void>;
}

/** Reads the host token when asked (a file is read again every time, so a rotated token is picked up). */
export type TokenSource = () => Promise<string>;
