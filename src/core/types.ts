import type { RenderSpec, RendererInfo } from './render-spec.ts';

/** A Kubernetes object as plain JSON, exactly as read from Git or returned by the API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The subset of ObjectMeta the agent reads; every other field passes through untouched. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** One entry of metadata.managedFields. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Identifies one object: API group (empty for core), kind, namespace (empty when cluster-scoped) and name. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A stable string ID for an ObjectRef, `group/Kind/namespace/name`; built only by `objectKey`. */
export type ObjectKey = string & { readonly __brand: 'ObjectKey' };

/** Where a manifest came from, for error messages that point at the line to fix. */
export interface SourceLocation {
  /** Path relative to the repository root. */
  file: string;
  /** Zero-based index of the YAML document within the file. */
  document: number;
  /** One-based line where the document (or the offending node) starts. */
  line: number;
}

/** One file read from Git at an exact commit. */
export interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: Uint8Array;
}

/** What the source stage hands on: the files under the target path at one commit. */
export interface SourceSnapshot {
  url: string;
  ref: string;
  /** The full 40-hex commit SHA the files were read at. */
  commit: string;
  files: SourceFile[];
  /** Whether the remote ref had moved since the cache last saw it (a fetch was needed). */
  fetched: boolean;
  /** The commit was the caller's `known` one: `files` were not read and are empty. */
  unread?: boolean;
}

/** A desired object with the place in Git it came from. */
export interface Manifest {
  object: KubeObject;
  source: SourceLocation;
}

/** Scope of a kind as the API server (or a CRD in the same commit) reports it. */
export type Scope = 'Namespaced' | 'Cluster';

/** Resolves a kind's scope; `undefined` when the API server does not serve that kind. */
export type ScopeLookup = (apiVersion: string, kind: string) => Promise<Scope | undefined>;

/** What a sync did, or would do, to one object. */
export type Action = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

/** One line of a plan or result: an object, what happens to it, and why. */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: Action;
  /** Unified diff from live to desired (Secret values masked); absent when unchanged or deleted. */
  diff?: string;
  /** Human-readable reason, for skipped and failed entries. */
  message?: string;
}

/** kstatus status values, plus NotFound/Unknown from polling. */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

/** Health of one object. */
export interface Health {
  status: HealthStatus;
  message: string;
  /** The Reconciling/Stalled reason kstatus attaches, when there is one. */
  reason?: string;
  /** What keeps a workload from becoming Current, found from its pods; absent when nothing is known to block it. */
  cause?: HealthCause;
}

/** What blocks a workload, as one of its new pods shows it (the kubelet's or the scheduler's own words). */
export interface HealthCause {
  /** The waiting or scheduling reason: ErrImagePull, ImagePullBackOff, CrashLoopBackOff, Unschedulable, CreateContainerConfigError, … */
  reason: string;
  /** The kubelet's or the scheduler's message, as the pod's status carries it. */
  message: string;
  /** The pod it was read from; absent when the controller could not create one (FailedCreate). */
  pod?: string;
  /** The container, for a container-level cause. */
  container?: string;
  /** That container's image. */
  image?: string;
  /** That container's restart count. */
  restarts?: number;
  /** The ConfigMap or Secret (and key) that a CreateContainerConfigError names as missing. */
  missing?: { kind: 'ConfigMap' | 'Secret'; name: string; key?: string };
  /** How many of the workload's new pods are blocked. */
  blocked: number;
  /** How many new pods the workload has; 0 when none could be created. */
  total: number;
  /** When the pod entered the blocked state, as far as its status tells (RFC 3339). */
  since?: string;
}

/** Health of one object with its identity, as reported after a wait. */
export interface ObjectHealth extends Health {
  ref: ObjectRef;
}

/** How to authenticate to the Git remote over HTTP. */
export interface GitAuth {
  username?: string;
  /** Token or password; never logged. */
  password?: string;
}

/** Pruning policy of one sync target. */
export interface PruneOptions {
  /** Delete objects recorded in the inventory but gone from Git. Default true. */
  enabled: boolean;
  /** Allow a commit whose path renders no objects at all. Default false. */
  allowEmpty: boolean;
  /** Refuse to prune more than this share (0..1] of the recorded set in one sync. Default 0.5. */
  maxShare: number;
  /** Allow pruning past maxShare for this sync. Default false. */
  allowMass: boolean;
}

/** One sync target: where the manifests live in Git and where they go in the cluster. */
export interface SyncTarget {
  /** Name of the target, unique per agent; names the inventory parent. */
  name: string;
  /** Repository URL (http, https or file). */
  url: string;
  /** Branch, tag or full commit SHA. */
  ref: string;
  /** Directory within the repository; `.` or empty for the root. */
  path: string;
  /** Namespace given to namespaced objects that name none. */
  namespace: string;
  /** Namespace where the inventory parent ConfigMap lives. */
  inventoryNamespace: string;
  prune: PruneOptions;
  /** Take fields from other field managers on conflict. Default true, as Flux does. */
  force: boolean;
  /** Seconds to wait for the applied set to become healthy; 0 skips the wait. */
  healthTimeoutSeconds: number;
  /**
   * Seconds a workload's new pods may stay blocked (image pull, crash loop, unschedulable, missing config)
   * before the workload is Failed rather than InProgress. Default 120.
   */
  healthFailureGraceSeconds?: number;
  /** Take over objects labelled as members of another ApplySet instead of refusing them. Default false. */
  adopt?: boolean;
  /** Overrides of the limits that bound one sync's memory; unset fields keep the defaults. */
  limits?: TargetLimits;
  /** How the path is rendered (docs/render.md). Default `{ mode: 'auto' }`. */
  render?: RenderSpec;
  /** Seconds the whole sync may take before it stops, failed and retryable. Default 1200. */
  syncTimeoutSeconds?: number;
  /** Seconds one stage (except health, bounded by healthTimeoutSeconds) may take. Default 600. */
  stageTimeoutSeconds?: number;
}

/** Per-target limits; each guards the agent's memory, none refuses what the API server accepts. */
export interface TargetLimits {
  /** Largest manifest file, in bytes (default 8 MiB). */
  maxFileBytes?: number;
  /** Largest total size of the manifests under the path, in bytes (default 64 MiB). */
  maxTotalBytes?: number;
  /** Most manifest files under the path (default 10,000). */
  maxFiles?: number;
  /** Largest pack one fetch may download, in bytes (default 2 GiB). */
  maxFetchBytes?: number;
  /** Most objects one render may produce (default 20,000). */
  maxObjects?: number;
  /** Largest object as the JSON body of its apply request, in bytes (default 3 MiB, the API server's). */
  maxObjectBytes?: number;
}

/** Timings of one sync, in milliseconds per stage. */
export type StageTimings = Partial<Record<Stage, number>>;

/** The pipeline stages, in order; each failure is reported against one of them. */
export type Stage = 'source' | 'render' | 'plan' | 'apply' | 'prune' | 'health' | 'inventory';

/** The outcome of one sync: a value the CLI prints and commit-status writers consume. */
export interface SyncResult {
  target: string;
  url: string;
  ref: string;
  /** Commit SHA, when the source stage got that far. */
  commit?: string;
  /**
   * `synced`: applied and healthy; `unhealthy`: applied but health did not converge; `failed`: a stage failed;
   * `planned`: a diff that changed nothing.
   */
  outcome: 'synced' | 'unhealthy' | 'failed' | 'planned';
  /** The stage that failed and why, when outcome is `failed`. */
  error?: { stage: Stage; message: string; retryable: boolean };
  changes: ChangeSetEntry[];
  health: ObjectHealth[];
  timings: StageTimings;
  /** API requests made, by verb (GET, LIST, PATCH, DRYRUN, DELETE, …). */
  requests: Record<string, number>;
  /** The tool that rendered the objects and its version, when the render stage got that far. */
  renderer?: RendererInfo;
}

/** What the inventory remembers of one member from the last sync that touched it. */
export interface MemberRecord {
  /** UID of the live object we applied; a different UID means someone re-created it. */
  uid?: string;
  /** Hash of the desired object as last applied or confirmed. */
  desiredHash?: string;
  /** Hash of our field manager's managedFields entry on the live object after the last apply or confirmation. */
  ownedHash?: string;
}

/** The ApplySet inventory of one target: its parent object and what it records. */
export interface Inventory {
  /** ApplySet ID (`applyset-…-v1`), the value of every member's part-of label. */
  id: string;
  parent: ObjectRef;
  /** Whether the parent object exists in the cluster. */
  exists: boolean;
  /** `Kind.group` entries of the contains-group-kinds annotation. */
  groupKinds: string[];
  /** Namespaces where members live (the parent's own included). */
  namespaces: string[];
  members: Map<ObjectKey, MemberRecord>;
}

/** One desired object in a plan, with the live object it was compared against. */
export interface PlanEntry {
  key: ObjectKey;
  ref: ObjectRef;
  /** The object to apply, with the inventory label set. */
  desired: KubeObject;
  source: SourceLocation;
  desiredHash: string;
  /**
   * The live object (labelled by us, or found by the dry-run), when it exists; managedFields and
   * ConfigMap/Secret data are dropped unless a takeover needs them.
   */
  live?: KubeObject;
  /** Hash of the agent's managedFields entry on the live object, taken before it was slimmed. */
  liveOwnedHash?: string;
  action: 'created' | 'configured' | 'unchanged';
  diff?: string;
  /** Whether a dry-run has validated the object; false when its namespace or CRD arrives in this sync. */
  validated: boolean;
  /** Whether fields of client-side-apply managers must be taken over before applying. */
  migrate: boolean;
  /** Whether an immutable field changed and the object opted in to delete-and-recreate. */
  recreate?: boolean;
  /** A Job with ttlSecondsAfterFinished that ran for this exact manifest and was deleted since: not created again. */
  ran?: boolean;
}

/** A recorded member that is no longer desired. */
export interface StaleEntry {
  key: ObjectKey;
  ref: ObjectRef;
  live: KubeObject;
}

/** The plan of one sync: every desired object's action and every stale object. */
export interface Plan {
  entries: PlanEntry[];
  stale: StaleEntry[];
}

/** What the inventory needs to remember of an applied object. */
export interface AppliedObject {
  uid?: string;
  ownedHash?: string;
}

/** What the apply stage did: one change per planned object, and the objects the API server returned. */
export interface ApplyOutcome {
  changes: ChangeSetEntry[];
  /** UID and ownership hash of every object the real apply returned, by key (not the objects: 5,000 of
   * them with managedFields would be most of the agent's memory). */
  applied: Map<ObjectKey, AppliedObject>;
  /** False when any object failed; pruning must not follow. */
  ok: boolean;
  /** Whether every failure is one a retry can fix (network, server, throttling); true when none failed. */
  retryable: boolean;
}
