import type { ChangeSetEntry, Manifest, ObjectHealth, Stage } from '../core/types.ts';

/** Progress of one sync, for terminals, logs and metrics. */
export type SyncEvent =
  /** The source stage resolved the ref: the commit this sync is about, before anything is rendered. */
  | { type: 'source-resolved'; commit: string }
  | { type: 'stage-start'; stage: Stage }
  | { type: 'stage-done'; stage: Stage; ms: number }
  | { type: 'applied'; entry: ChangeSetEntry }
  | { type: 'health'; pending: ObjectHealth[] }
  /** The files under the path were rendered before: their manifests were reused without parsing. */
  | { type: 'render-reused'; commit: string }
  /** About to apply: the desired objects (with the set's label) that the cluster is being made to match. */
  | { type: 'desired'; commit: string; manifests: Manifest[] };

/** Receives sync events; must not throw. */
export type SyncListener = (event: SyncEvent) => void;
