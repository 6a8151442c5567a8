import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest, SourceSnapshot, SyncTarget } from '../core/types.ts';
import { AgentError } from '../core/errors.ts';
import { clusterFingerprint, renderKey, type RenderCache } from './render-cache.ts';
import type { ClusterInfo } from '../render/helm.ts';

// Bumped whenever the file layout or what a render produces for the same files changes.
const FORMAT = 'render-v4';

interface Stored {
  key: string;
  commit: string;
  /** clusterFingerprint of the cluster a chart was rendered for; empty for anything but a chart. */
  cluster: string;
  body: string;
}

/**
 * A RenderCache kept on disk in the Git cache directory, for callers that run one sync per process (the CLI,
 * a CronJob): the next sync of unchanged files reads the last render back instead of parsing every file
 * again, which was most of a no-op sync's CPU (1,000 objects: 345 ms of 400 ms). One file per target, its
 * name hashed from the whole target and the agent version, so it holds one setting's render; its first line
 * is the render key (renderKey: the files' content), the commit the files were read at and, for a chart,
 * the cluster it was rendered for; the rest the render (manifests) as JSON. While the ref still points at that commit the source stage does
 * not even read the files (`known`; 10,000 files took 1.2 s). Written with mode 0600, as it holds what the
 * cached clone holds. Only successful renders are stored; a manifest error is found again by rendering.
 */
export class DiskRenderCache implements RenderCache {
  readonly #file: string;
  #stored: Stored | undefined;
  #last: RenderCache['last'];
  #commit: string | undefined;
  #cluster = '';

  private constructor(file: string, stored: Stored | undefined) {
    this.#file = file;
    this.#stored = stored;
  }

  /** Opens the cache file of one target; a missing or unreadable file is an empty cache. */
  static async open(cacheDir: string, target: SyncTarget, version: string): Promise<DiskRenderCache> {
    const id = createHash('sha256')
      .update(JSON.stringify([FORMAT, version, target]))
      .digest('hex');
    const file = join(cacheDir, 'renders', `${id.slice(0, 32)}.json`);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const newline = text?.indexOf('\n') ?? -1;
    const [key, commit, cluster = ''] = text && newline > 0 ? text.slice(0, newline).split('\t') : [];
    const stored =
      text && key && commit ? { key, commit, cluster, body: text.slice(newline + 1) } : undefined;
    return new DiskRenderCache(file, stored);
  }

  /**
   * The commit the stored render's files were read at, for the source stage's `known`; undefined when the
   * stored render is a chart and `cluster` (asked only then) is no longer the one it was rendered for, as
   * after a cluster upgrade or a new CRD the same commit renders anew and its files must be read.
   */
  async knownFor(cluster: () => Promise<ClusterInfo>): Promise<string | undefined> {
    const stored = this.#stored;
    if (!stored?.cluster) return stored?.commit;
    return clusterFingerprint(await cluster()) === stored.cluster ? stored.commit : undefined;
  }

  /**
   * The render key of a snapshot (remembering its commit for the render to be stored): that of the stored
   * render when the source stage left the files unread, as they are the stored render's commit's; for a
   * chart the `cluster` it renders for is part of it.
   */
  keyOf(snapshot: SourceSnapshot, target: SyncTarget, cluster?: ClusterInfo): string {
    this.#commit = snapshot.commit;
    if (!snapshot.unread) {
      this.#cluster = cluster ? clusterFingerprint(cluster) : '';
      return renderKey(snapshot, target, cluster);
    }
    // Unreachable unless the source stage broke its promise; rendering no files would prune everything.
    if (this.#stored?.commit !== snapshot.commit)
      throw new AgentError('render', `commit ${snapshot.commit} was not read and has no stored render`, {
        retryable: true,
      });
    // The cluster changed between the source stage's look and this one (a CRD applied meanwhile): the files
    // this render needs were not read, so the next sync reads and renders them.
    if (this.#stored.cluster && cluster && clusterFingerprint(cluster) !== this.#stored.cluster)
      throw new AgentError(
        'render',
        'the cluster changed during the sync; the chart renders at the next sync',
        {
          retryable: true,
        },
      );
    return this.#stored.key;
  }

  /**
   * The last render: set in this process, else the stored one (everything but the key is stored, so any
   * field a render entry carries comes back). A mismatched key costs this parse, but a render follows anyway.
   */
  get last(): RenderCache['last'] {
    if (this.#last || !this.#stored) return this.#last;
    const { key, body } = this.#stored;
    this.#last = { ...(JSON.parse(body) as { manifests: Manifest[] }), key };
    return this.#last;
  }

  /** Remembers a render; a successful one is also written to disk (atomically: a temp file, then renamed). */
  set last(value: RenderCache['last']) {
    this.#last = value;
    this.#stored = undefined;
    if (!value || 'error' in value || !this.#commit) return;
    try {
      mkdirSync(join(this.#file, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${this.#file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      const { key, ...entry } = value;
      writeFileSync(tmp, `${key}\t${this.#commit}\t${this.#cluster}\n${JSON.stringify(entry)}`, {
        mode: 0o600,
      });
      renameSync(tmp, this.#file);
    } catch {
      // A cache that cannot be written only costs the next sync a render.
    }
  }
}
