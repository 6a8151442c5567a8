import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** Where a target's commit statuses go and how (docs/git-host.md). */
export interface HostSettings {
  /** The host's kind; default: guessed from the repository URL's host name. */
  provider?: 'github' | 'gitlab' | 'gitea' | 'bitbucket-cloud' | 'bitbucket-server' | 'azure-devops';
  /** API base URL; default: derived from the repository URL (`https://api.github.com`, `https://HOST/api/v4`, …). */
  apiUrl?: string;
  /** The repository as the API names it; default: derived from the repository URL's path. */
  repository?: string;
  /** The API token: from a file (read again at every use, so a rotated Secret is picked up) or an environment variable. */
  token: { file: string } | { env: string };
  /** Status context; default `gitops-agent/<cluster>/<target>`. */
  context?: string;
  /** Link shown with every status; default none (Bitbucket, which requires one, gets the repository's web URL). */
  targetUrl?: string;
  /** Pull-request previews: a diff of each open pull request's head into the target's branch. */
  previews: {
    /** Default false. */
    enabled: boolean;
    /** Also keep one comment with the diff on the pull request, updated in place. Default false. */
    comment: boolean;
    /** How often open pull requests are listed. Default 1m; 0s lists none (webhooks only). */
    intervalMs: number;
  };
}

const url = z.url({ protocol: /^https?$/ });

/** The `host` key of a target. */
export const hostSchema = z
  .strictObject({
    provider: z
      .enum(['github', 'gitlab', 'gitea', 'bitbucket-cloud', 'bitbucket-server', 'azure-devops'])
      .optional(),
    apiUrl: url.optional(),
    repository: z.string().min(1).optional(),
    token: z.union(
      [z.strictObject({ file: z.string().min(1) }), z.strictObject({ env: z.string().min(1) })],
      {
        error: 'token must be { file: PATH } or { env: NAME }',
      },
    ),
    context: z.string().min(1).max(255).optional(),
    targetUrl: url.optional(),
    previews: z
      .strictObject({
        enabled: z.boolean().default(false),
        comment: z.boolean().default(false),
        interval: z
          .string()
          .default('1m')
          .transform((text, ctx) => {
            const ms = parseDuration(text);
            if (ms === undefined) {
              ctx.addIssue({
                code: 'custom',
                message: `previews.interval must be a duration like 1m, got "${text}"`,
              });
              return z.NEVER;
            }
            return ms;
          }),
      })
      .prefault({}),
  })
  .transform(({ previews, ...rest }): HostSettings => ({
    ...rest,
    previews: { enabled: previews.enabled, comment: previews.comment, intervalMs: previews.interval },
  }));
