import { z } from 'zod';

/** The Git hosts whose push and pull-request webhooks the agent understands. */
export const WEBHOOK_PROVIDERS = [
  'github',
  'gitlab',
  'gitea',
  'bitbucket-cloud',
  'bitbucket-server',
  'azure-devops',
  'generic',
] as const;

/** One of WEBHOOK_PROVIDERS. */
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** One webhook endpoint on the agent's listener. */
export interface WebhookReceiverConfig {
  /** Which host sends to it: decides the headers, the signature and the payload read. */
  provider: WebhookProvider;
  /** URL path it answers on. Default `/hooks/<provider>`. */
  path: string;
  /** File holding the shared secret (HMAC key, GitLab token or signing token, or Azure DevOps basic-auth password); re-read when it changes. */
  secretFile: string;
  /** Basic-auth user name Azure DevOps sends; required for `azure-devops`, ignored otherwise. */
  username: string | undefined;
  /** Header carrying `sha256=<hex HMAC>` for `generic`. Default `x-signature-256`. */
  signatureHeader: string;
  /** Names of the targets this endpoint may trigger. Default: every target. */
  targets: string[] | undefined;
}

/** Settings of the webhook receivers (`agent.webhooks`). */
export interface WebhookSettings {
  /** Largest body read, in bytes; a bigger one gets 413 and reading stops. Default 5 MiB. */
  maxBodyBytes: number;
  /** Delivery ids remembered to ignore replays (least recently seen dropped first). Default 10000. */
  rememberDeliveries: number;
  /** The endpoints. Default none: no webhook is accepted. */
  receivers: WebhookReceiverConfig[];
}

const receiverSchema = z
  .strictObject({
    provider: z.enum(WEBHOOK_PROVIDERS),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a URL path starting with /')
      .optional(),
    secretFile: z.string().min(1),
    username: z.string().min(1).optional(),
    signatureHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .default('x-signature-256'),
    targets: z.array(z.string()).optional(),
  })
  .refine((r) => r.provider !== 'azure-devops' || r.username !== undefined, {
    message: 'azure-devops needs username (the basic-auth user of the service hook)',
  });

/** The zod schema of `agent.webhooks`, turning the file's keys into WebhookSettings. */
export const webhooksSchema = z
  .strictObject({
    maxBodyBytes: z
      .int()
      .min(1024)
      .default(5 * 1024 * 1024),
    rememberDeliveries: z.int().min(1).default(10_000),
    receivers: z.array(receiverSchema).default([]),
  })
  .superRefine((w, ctx) => {
    const seen = new Set<string>();
    w.receivers.forEach((r, i) => {
      const path = r.path ?? `/hooks/${r.provider}`;
      if (seen.has(path))
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'path'], message: `duplicate path "${path}"` });
      seen.add(path);
    });
  })
  .transform((w): WebhookSettings => ({
    maxBodyBytes: w.maxBodyBytes,
    rememberDeliveries: w.rememberDeliveries,
    receivers: w.receivers.map((r) => ({
      provider: r.provider,
      path: r.path ?? `/hooks/${r.provider}`,
      secretFile: r.secretFile,
      username: r.username,
      signatureHeader: r.signatureHeader.toLowerCase(),
      targets: r.targets,
    })),
  }))
  .prefault({});
