import type { SyncResult } from '../core/types.ts';
import type { SyncEvent } from '../sync/events.ts';
import type { SyncReason } from './queue.ts';
import type { AgentOutcome, TargetStatus } from './target-status.ts';

/** What the agent reports to its subscribers (logs, metrics, commit statuses, tests). */
export type AgentEvent =
  | { type: 'sync-start'; target: string; reason: SyncReason }
  | { type: 'sync-progress'; target: string; event: SyncEvent }
  | {
      type: 'sync-done';
      target: string;
      reason: SyncReason;
      outcome: AgentOutcome;
      /** The engine's result; absent when the agent decided without a sync (suspended). */
      result?: SyncResult;
      status: TargetStatus;
      ms: number;
    }
  | { type: 'config-applied'; added: string[]; removed: string[]; changed: string[] }
  | { type: 'stopped' };

/** Receives agent events; must not throw. */
export type AgentListener = (event: AgentEvent) => void;
