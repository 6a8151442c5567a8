import type { GitAuth } from '../core/types.ts';

/** Returns the current credentials each time it is called, e.g. re-reading a token file that rotates. */
export type GitAuthReader = () => Promise<GitAuth | undefined>;

/** What to fetch and where to cache it, plus the limits that bound one fetch. */
export interface SourceOptions {
  /** Repository URL (http or https); credentials embedded in it are moved to `auth` and never stored. */
  url: string;
  /** Branch, tag (`v1`, `refs/tags/v1`) or full 40-hex commit SHA. */
  ref: string;
  /** Directory inside the repository; `.` or empty for the root. */
  path: string;
  /** Directory holding one bare clone per repository URL. */
  cacheDir: string;
  /** HTTP basic credentials (username and token or password), or a reader asked for them on every call. */
  auth?: GitAuth | GitAuthReader;
  /**
   * Name of the target the call is for: keys what the cache remembers per target (the commit offered to the
   * server as already present), so targets on different branches of one repository keep incremental fetches.
   * Default: shared by every call without a name.
   */
  target?: string;
  /**
   * Read every file of the whole repository instead of the manifests under `path`: always (true), or when one
   * of these names is directly under `path` (`kustomization.yaml`, `Chart.yaml`), as Kustomize and Helm read
   * `../base`, env files and templates. Default false.
   */
  wholeRepository?: boolean | readonly string[];
  /**
   * A commit whose files under `path` the caller still has what it needs of (its last render): when the ref
   * still points at it, the files are not read again and the snapshot says `unread`. Default none.
   */
  known?: string;
  /** Stops the fetch when aborted, with an error saying so; the deadline `timeoutMs` applies as well. */
  signal?: AbortSignal;
  /** Deadline for all network requests of one call, in milliseconds. */
  timeoutMs?: number;
  /** Largest manifest file accepted, in bytes; checked from the blob's header before it is read. */
  maxFileBytes?: number;
  /** Largest total size of the manifests under `path`, in bytes. */
  maxTotalBytes?: number;
  /** Most manifest files accepted under `path`. */
  maxFiles?: number;
  /** Largest pack one fetch may download, in bytes; the download stops as soon as it passes this. */
  maxFetchBytes?: number;
}

/** The limits of SourceOptions once defaults are applied. */
export type SourceLimits = Required<
  Pick<SourceOptions, 'timeoutMs' | 'maxFileBytes' | 'maxTotalBytes' | 'maxFiles' | 'maxFetchBytes'>
>;

/** Defaults of the optional limits in SourceOptions. */
export const DEFAULT_SOURCE_OPTIONS: Readonly<SourceLimits> = {
  timeoutMs: 60_000,
  // Argo CD's install.yaml is 1.9 MB and kube-prometheus's dashboards 1.05 MB; a file is held in memory
  // with its parse, so the cap guards memory, not what the API server accepts (render checks each object).
  maxFileBytes: 8 << 20,
  maxTotalBytes: 64 << 20,
  maxFiles: 10_000,
  // Packs are streamed to disk and never held in memory, so this bounds the cache's disk, not memory.
  maxFetchBytes: 2 * 1024 ** 3,
};

/** File name endings (case-insensitive) the source stage reads; every other blob is skipped unread. */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];
