import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse } from 'yaml';
import type { SyncTarget } from '../core/types.ts';
import type { GitAuthSource } from '../source/source.ts';
import { parseDuration } from './duration.ts';
import { cronProblem, type SyncWindow } from './windows.ts';
import { renderSchema } from './config-render.ts';
import { webhooksSchema, type WebhookSettings } from './config-webhooks.ts';
import { hostSchema, type HostSettings } from './config-host.ts';

/** One target of the agent: what `sync` takes, plus when to sync it. */
export interface TargetConfig {
  target: SyncTarget;
  auth: GitAuthSource;
  /** Time between syncs. Default 1 minute. */
  intervalMs: number;
  /** Stop applying; the target is reported as suspended. Default false. */
  suspend: boolean;
  windows: SyncWindow[];
  /** Commit statuses and pull-request previews on the Git host; absent: none (docs/git-host.md). */
  host?: HostSettings;
}

/** Agent-wide settings. */
export interface AgentSettings {
  /** Name of the cluster, a label of every metric and a part of every Event's source. Default `default`. */
  cluster: string;
  /** Syncs running at once, across targets. Default 4. */
  concurrency: number;
  /** Where /metrics, /healthz and /readyz listen. Default `0.0.0.0:9090`; port 0 picks a free one. */
  listen: { host: string; port: number };
  /** Directory for Git clones. Default `~/.cache/gitops-agent/git`, set by the caller. */
  cacheDir: string | undefined;
  /** Share of the interval added at random to each wait (0..1). Default 0.1. */
  jitter: number;
  /** Retry after a retryable failure: first wait and cap, doubling in between. Default 10s and 5m. */
  retry: { initialMs: number; maxMs: number };
  /** How often the inventory parents are read for `gitops-agent reconcile` requests. Default 3s. */
  requestPollMs: number;
  /** How replicas share the targets, and the Leases they do it with (docs/scale-out.md). */
  replicas: ReplicaSettings;
  /** Webhook endpoints on the listener (docs/webhooks.md). Default none. */
  webhooks: WebhookSettings;
}

/** How replicas share the targets: `single` takes no Lease, `leader` elects one writer, `shards` splits targets. */
export interface ReplicaSettings {
  /** Default `single`. */
  mode: 'single' | 'leader' | 'shards';
  /** Namespace of the leader and member Leases. Default `$POD_NAMESPACE`, else `default`. */
  namespace: string | undefined;
  /** Lease duration, renew deadline and retry period. Default 15s, 10s, 2s, as client-go's. */
  timing: { leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number };
}

/** A validated agent config. */
export interface AgentConfig {
  agent: AgentSettings;
  targets: TargetConfig[];
}

const duration = (what: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be a duration like 30s, 1m or 1h30m, got "${text}"`,
      });
      return z.NEVER;
    }
    return ms;
  });

const dnsName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]{0,200}[a-z0-9])?$/, "must be a lowercase DNS subdomain (a-z, 0-9, '-', '.')");

const windowSchema = z
  .strictObject({
    kind: z.enum(['allow', 'deny']),
    schedule: z.string(),
    duration: duration('duration'),
    timeZone: z.string().optional(),
  })
  .superRefine((w, ctx) => {
    const problem = cronProblem(w.schedule, w.timeZone);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: `invalid cron schedule: ${problem}` });
  });

const targetSchema = z.strictObject({
  name: dnsName,
  repo: z.string().min(1),
  ref: z.string().min(1).default('main'),
  path: z.string().default('.'),
  namespace: dnsName.default('default'),
  inventoryNamespace: dnsName.optional(),
  force: z.boolean().default(true),
  healthTimeoutSeconds: z.number().min(0).default(120),
  healthFailureGraceSeconds: z.number().min(0).default(120),
  syncTimeoutSeconds: z.number().gt(0).optional(),
  stageTimeoutSeconds: z.number().gt(0).optional(),
  adopt: z.boolean().default(false),
  prune: z
    .strictObject({
      enabled: z.boolean().default(true),
      allowEmpty: z.boolean().default(false),
      maxShare: z.number().gt(0).max(1).default(0.5),
      allowMass: z.boolean().default(false),
    })
    .prefault({}),
  auth: z
    .strictObject({
      tokenFile: z.string().optional(),
      tokenEnv: z.string().optional(),
      username: z.string().optional(),
    })
    .refine((a) => !(a.tokenFile && a.tokenEnv), { message: 'set either tokenFile or tokenEnv, not both' })
    .prefault({}),
  interval: duration('interval').default(60_000),
  suspend: z.boolean().default(false),
  syncWindows: z.array(windowSchema).default([]),
  render: renderSchema.optional(),
  host: hostSchema.optional(),
});

const listenSchema = z.string().transform((text, ctx) => {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `listen must be host:port (e.g. 0.0.0.0:9090), got "${text}"` });
    return z.NEVER;
  }
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
});

const agentSchema = z.strictObject({
  cluster: z.string().min(1).default('default'),
  concurrency: z.int().min(1).default(4),
  listen: listenSchema.default({ host: '0.0.0.0', port: 9090 }),
  cacheDir: z.string().optional(),
  jitter: z.number().min(0).max(1).default(0.1),
  retry: z
    .strictObject({
      initial: duration('retry.initial').default(10_000),
      max: duration('retry.max').default(300_000),
    })
    .prefault({}),
  requestPoll: duration('requestPoll').default(3_000),
  replicas: z
    .strictObject({
      mode: z.enum(['single', 'leader', 'shards']).default('single'),
      namespace: dnsName.optional(),
      leaseDuration: duration('replicas.leaseDuration').default(15_000),
      renewDeadline: duration('replicas.renewDeadline').default(10_000),
      retryPeriod: duration('replicas.retryPeriod').default(2_000),
    })
    .refine((r) => r.retryPeriod < r.renewDeadline && r.renewDeadline < r.leaseDuration, {
      message: 'replicas: retryPeriod < renewDeadline < leaseDuration must hold',
    })
    .prefault({}),
  webhooks: webhooksSchema,
});

/** The zod schema of the agent config file (before defaults), also the source of the chart's values schema. */
export const configSchema = z
  .strictObject({ agent: agentSchema.prefault({}), targets: z.array(targetSchema).min(1) })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.targets.forEach((t, i) => {
      if (seen.has(t.name))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `duplicate target name "${t.name}"`,
        });
      seen.add(t.name);
    });
  });

/** A config file that does not validate; the message lists every problem, each naming target and key. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super(`${file}: invalid agent config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates an agent config file. */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseAgentConfig(text, file);
}

/** Validates the text of an agent config (YAML); `file` names it in errors. */
export function parseAgentConfig(text: string, file = 'config'): AgentConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch (err) {
    throw new ConfigError(file, [`YAML: ${(err as Error).message}`]);
  }
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success)
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => describeIssue(i, doc)),
    );
  const { agent, targets } = parsed.data;
  return {
    agent: {
      cluster: agent.cluster,
      concurrency: agent.concurrency,
      listen: agent.listen,
      cacheDir: agent.cacheDir,
      jitter: agent.jitter,
      retry: { initialMs: agent.retry.initial, maxMs: agent.retry.max },
      requestPollMs: agent.requestPoll,
      replicas: {
        mode: agent.replicas.mode,
        namespace: agent.replicas.namespace,
        timing: {
          leaseDurationSeconds: Math.ceil(agent.replicas.leaseDuration / 1000),
          renewDeadlineMs: agent.replicas.renewDeadline,
          retryPeriodMs: agent.replicas.retryPeriod,
        },
      },
      webhooks: agent.webhooks,
    },
    targets: targets.map((t) => ({
      target: {
        name: t.name,
        url: t.repo,
        ref: t.ref,
        path: t.path,
        namespace: t.namespace,
        inventoryNamespace: t.inventoryNamespace ?? t.namespace,
        force: t.force,
        healthTimeoutSeconds: t.healthTimeoutSeconds,
        healthFailureGraceSeconds: t.healthFailureGraceSeconds,
        syncTimeoutSeconds: t.syncTimeoutSeconds,
        stageTimeoutSeconds: t.stageTimeoutSeconds,
        adopt: t.adopt,
        prune: t.prune,
        ...(t.render ? { render: t.render } : {}),
      },
      auth: t.auth,
      intervalMs: t.interval,
      suspend: t.suspend,
      windows: t.syncWindows.map((w) => ({
        kind: w.kind,
        schedule: w.schedule,
        durationMs: w.duration,
        timeZone: w.timeZone,
      })),
      ...(t.host ? { host: t.host } : {}),
    })),
  };
}

// `targets.1.interval` becomes `target "web" (targets[1]): interval: …`, so the reader finds the entry by name.
function describeIssue(issue: z.core.$ZodIssue, doc: unknown): string {
  const path = [...issue.path];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  let where = '';
  if (path[0] === 'targets' && typeof path[1] === 'number') {
    const entry = (doc as { targets?: { name?: unknown }[] }).targets?.[path[1]];
    const name = typeof entry?.name === 'string' ? `target "${entry.name}"` : 'target';
    where = `${name} (targets[${path[1]}])`;
    path.splice(0, 2);
  }
  const key = path.map(String).join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  return [where, key, message].filter(Boolean).join(': ');
}
