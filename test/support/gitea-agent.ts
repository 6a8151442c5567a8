// The agent config the real-Gitea tests run `gitops-agent run` with: one target synced from a Gitea repository,
// an interval of an hour (so only Gitea's webhook explains a prompt sync) and Gitea's signed webhook receiver.
import { join } from 'node:path';
import type { Gitea } from './gitea.ts';

/** Options of giteaAgentConfig. */
export interface GiteaAgentOptions {
  gitea: Gitea;
  /** Directory holding `hook` (the webhook secret) and `token` (the Gitea admin's token). */
  secrets: string;
  /** Target name and namespace. */
  namespace: string;
  repoUrl: string;
  /** The target's `host` key beyond provider and token (e.g. previews); none: no commit statuses. */
  host?: Record<string, unknown> | 'statuses';
}

/** The config document: the `gitea` receiver on a free loopback port, the target with Gitea auth and host. */
export function giteaAgentConfig(o: GiteaAgentOptions): Record<string, unknown> {
  const token = join(o.secrets, 'token');
  const host =
    o.host === undefined
      ? undefined
      : { provider: 'gitea', token: { file: token }, ...(o.host === 'statuses' ? {} : o.host) };
  return {
    agent: {
      cluster: 'test',
      listen: '127.0.0.1:0',
      webhooks: { receivers: [{ provider: 'gitea', secretFile: join(o.secrets, 'hook') }] },
    },
    targets: [
      {
        name: o.namespace,
        repo: o.repoUrl,
        path: 'deploy',
        namespace: o.namespace,
        interval: '1h',
        healthTimeoutSeconds: 20,
        auth: { tokenFile: token, username: o.gitea.admin.username },
        ...(host ? { host } : {}),
      },
    ],
  };
}
