import type { ChangeSetEntry, ObjectHealth, Stage } from '../core/types.ts';

/** Progress of one sync, for terminals, logs and metrics. */
export type SyncEvent =
  | { type: 'stage-start'; stage: Stage }
  | { type: 'stage-done'; stage: Stage; ms: number }
  | { type: 'applied'; entry: ChangeSetEntry }
  | { type: 'health'; pending: ObjectHealth[] };

/** Receives sync events; must not throw. */
export type SyncListener = (event: SyncEvent) => void;
