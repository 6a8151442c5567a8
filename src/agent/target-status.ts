import type { Action, HealthStatus, Stage, SyncResult } from '../core/types.ts';
import { formatRef } from '../core/refs.ts';
import type { HostState } from './host/reporter.ts';

/** Annotation on the inventory parent holding the target's TargetStatus as JSON. */
export const STATUS_ANNOTATION = 'gitops-agent.io/status';
/** Annotation `gitops-agent reconcile` sets on the inventory parent to ask for a sync now (an RFC 3339 time). */
export const REQUESTED_AT_ANNOTATION = 'gitops-agent.io/requested-at';
/** Field manager of the status annotation, apart from the inventory's own. */
export const STATUS_FIELD_MANAGER = 'gitops-agent-status';

/** What one sync of the agent came to: the engine's outcomes plus the agent's own. */
export type AgentOutcome = 'synced' | 'unhealthy' | 'failed' | 'blocked' | 'suspended';

/** A target's state as the agent last saw it; written on the inventory parent, read by `gitops-agent status`. */
export interface TargetStatus {
  target: string;
  /** `True` when synced and healthy, `False` otherwise. */
  ready: 'True' | 'False';
  outcome: AgentOutcome;
  /** One line for people (at most 1,000 characters). */
  message: string;
  repo: string;
  ref: string;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  /** Changes of the last sync, by action. */
  counts: Partial<Record<Action, number>>;
  /** Health of the last sync's objects, by status. */
  health: Partial<Record<HealthStatus, number>>;
  error?: { stage: Stage; message: string; retryable: boolean };
  suspended: boolean;
  lastAttemptAt: string;
  lastSuccessAt?: string;
  /** When the outcome last changed. */
  lastTransitionAt: string;
  /** The last `requested-at` value the agent acted on. */
  lastHandledRequest?: string;
  /** The Git host's last answer to the target's commit statuses; absent without `host` or before the first post. */
  host?: HostState;
}

/** What the agent knew before the sync, carried into the next status. */
export interface PreviousStatus {
  status?: TargetStatus;
  lastHandledRequest?: string;
}

const MAX_MESSAGE = 1000;
const MAX_HOST_MESSAGE = 300;

/** Builds a target's status from a sync result (or from an outcome the agent decided without one). */
export function statusOf(
  input:
    | { kind: 'result'; result: SyncResult; blocked?: string }
    | { kind: 'suspended'; target: string; repo: string; ref: string },
  previous: PreviousStatus,
  now: Date,
): TargetStatus {
  const at = now.toISOString();
  const prev = previous.status;
  if (input.kind === 'suspended') {
    return base(
      prev,
      {
        target: input.target,
        ready: 'False',
        outcome: 'suspended',
        message: 'suspended: the agent does not apply this target',
        repo: input.repo,
        ref: input.ref,
        counts: {},
        health: {},
        suspended: true,
        lastAttemptAt: at,
      },
      previous,
      at,
    );
  }
  const r = input.result;
  const outcome: AgentOutcome =
    input.blocked !== undefined ? 'blocked' : r.outcome === 'planned' ? 'synced' : r.outcome;
  const applied = outcome === 'synced' || outcome === 'unhealthy';
  return base(
    prev,
    {
      target: r.target,
      ready: outcome === 'synced' ? 'True' : 'False',
      outcome,
      message: messageOf(r, outcome, input.blocked).slice(0, MAX_MESSAGE),
      repo: r.url,
      ref: r.ref,
      lastAttemptedRevision: r.commit,
      lastAppliedRevision: applied ? r.commit : prev?.lastAppliedRevision,
      counts: countBy(r.changes.map((c) => c.action)),
      health: countBy(r.health.map((h) => h.status)),
      ...(r.error && outcome === 'failed'
        ? { error: { ...r.error, message: r.error.message.slice(0, MAX_MESSAGE) } }
        : {}),
      suspended: false,
      lastAttemptAt: at,
      lastSuccessAt: outcome === 'synced' ? at : prev?.lastSuccessAt,
    },
    previous,
    at,
  );
}

function base(
  prev: TargetStatus | undefined,
  next: Omit<TargetStatus, 'lastTransitionAt'>,
  previous: PreviousStatus,
  at: string,
): TargetStatus {
  return {
    ...next,
    ...(next.lastSuccessAt === undefined && prev?.lastSuccessAt ? { lastSuccessAt: prev.lastSuccessAt } : {}),
    lastTransitionAt: prev && prev.outcome === next.outcome ? prev.lastTransitionAt : at,
    ...(previous.lastHandledRequest ? { lastHandledRequest: previous.lastHandledRequest } : {}),
  };
}

function messageOf(r: SyncResult, outcome: AgentOutcome, blocked: string | undefined): string {
  const rev = r.commit ? `${r.ref}@sha1:${r.commit.slice(0, 12)}` : r.ref;
  const changed = r.changes.filter((c) => c.action !== 'unchanged' && c.action !== 'skipped');
  switch (outcome) {
    case 'blocked':
      return `${blocked}: ${changed.length} change(s) planned, not applied (revision ${rev})`;
    case 'failed':
      return `${r.error?.stage ?? 'sync'} failed: ${r.error?.message ?? 'unknown error'}`;
    case 'unhealthy': {
      const bad = r.health.filter((h) => h.status !== 'Current');
      const first = bad[0];
      return `applied revision ${rev}; ${bad.length} object(s) not healthy${first ? `, e.g. ${formatRef(first.ref)} ${first.status}: ${first.message}` : ''}`;
    }
    default:
      return `applied revision ${rev}${summary(countBy(r.changes.map((c) => c.action)))}`;
  }
}

function summary(counts: Partial<Record<Action, number>>): string {
  const parts = Object.entries(counts)
    .filter(([a, n]) => a !== 'unchanged' && n)
    .map(([a, n]) => `${n} ${a}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function countBy<T extends string>(values: T[]): Partial<Record<T, number>> {
  const out: Partial<Record<T, number>> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The status with the Git host's answer in `host` (its message cut to 300 characters); none: without the field. */
export function withHost(status: TargetStatus, host: HostState | undefined): TargetStatus {
  const { host: _before, ...rest } = status;
  if (!host) return rest;
  return { ...rest, host: host.ok ? host : { ...host, message: host.message.slice(0, MAX_HOST_MESSAGE) } };
}

/** The status with a new answer of the Git host, or undefined when it says what the status says (`ok` or the same code). */
export function updatedHost(status: TargetStatus, host: HostState | undefined): TargetStatus | undefined {
  return codeOf(status.host) === codeOf(host) ? undefined : withHost(status, host);
}

/** What a HostState says in one word: `ok`, the refusal's code, or undefined before any answer. */
export function codeOf(state: HostState | undefined): string | undefined {
  return state && (state.ok ? 'ok' : state.code);
}
