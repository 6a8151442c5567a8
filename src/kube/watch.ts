import type { KubeObject } from '../core/types.ts';
import type { Kube } from './objects.ts';
import type { GroupKind } from './list.ts';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { KubeApiError } from './errors.ts';
import { jsonLines } from './stream.ts';

/**
 * What a watch reports: `listed` with every matching object after a LIST (at start, or after the server
 * answered 410 Gone and the watch had to list again), then each change as it happens, and the server's
 * bookmarks (the resourceVersion it has reached, with no change to report).
 */
export type WatchEvent =
  | { type: 'listed'; objects: KubeObject[]; reason: 'start' | 'gone' }
  | { type: 'added' | 'modified' | 'deleted'; object: KubeObject }
  | { type: 'bookmark'; resourceVersion: string };

/** Options of watchObjects. */
export interface WatchOptions extends GroupKind {
  /** Label selector the server filters by, e.g. `applyset.kubernetes.io/part-of=<id>`. */
  labelSelector: string;
  /** Watch one namespace; all namespaces (and cluster-scoped kinds) when absent. */
  namespace?: string;
  signal: AbortSignal;
  /** Called for every event, in the order the server sent them. */
  onEvent(event: WatchEvent): void;
  /** Called for every failed request before the next try (the watch itself never gives up). */
  onError?(err: unknown): void;
  /** Resume from this resourceVersion instead of listing first. Default: list first. */
  resourceVersion?: string;
  /** Server-side timeout of one watch request in seconds; each request adds up to 100% jitter. Default 300. */
  timeoutSeconds?: number;
  /** Delay before the first retry after a failure, doubling up to 30 s. Default 500. */
  retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;
const LIST_PAGE = '500';

interface WatchLine {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

/**
 * List-then-watch of the objects of one kind that match a label selector, as client-go's reflector does:
 * resumes from the last resourceVersion seen (bookmarks included) when a watch request ends, lists again after
 * 410 Gone, retries failures with backoff, and returns when the signal aborts. It keeps no objects: the
 * caller decides what to remember.
 */
export async function watchObjects(kube: Kube, opts: WatchOptions): Promise<void> {
  const timeoutSeconds = opts.timeoutSeconds ?? 300;
  const firstDelay = opts.retryDelayMs ?? 500;
  let rv = opts.resourceVersion;
  let reason: 'start' | 'gone' = 'start';
  let delay = firstDelay;
  while (!opts.signal.aborted) {
    try {
      const info = await kube.discovery.preferred(opts.group, opts.kind);
      if (!info)
        throw new KubeApiError(
          404,
          'NotFound',
          `no API resource serves kind ${opts.kind} in group "${opts.group}"`,
        );
      if (rv === undefined) {
        const listed = await listAt(kube, info, opts);
        rv = listed.resourceVersion;
        opts.onEvent({ type: 'listed', objects: listed.objects, reason });
      }
      const timeout = Math.round(timeoutSeconds * (1 + Math.random()));
      const lines = jsonLines(kube.client, {
        path: resourcePath(info, opts.namespace),
        query: {
          watch: 'true',
          resourceVersion: rv,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(timeout),
          labelSelector: opts.labelSelector,
        },
        signal: opts.signal,
        // Bookmarks arrive about once a minute, so a minute of silence past the timeout is a dead connection.
        idleTimeoutMs: (timeout + 60) * 1000,
      });
      const began = Date.now();
      let heard = false;
      for await (const raw of lines) {
        heard = true;
        const line = raw as WatchLine;
        if (line.type === 'ERROR') {
          const s = line.object;
          throw new KubeApiError(
            s.code ?? 500,
            s.reason ?? 'WatchError',
            `watch ${opts.kind}: ${s.message ?? 'error event'}`,
          );
        }
        rv = line.object.metadata?.resourceVersion ?? rv;
        delay = firstDelay;
        if (line.type === 'BOOKMARK') {
          opts.onEvent({ type: 'bookmark', resourceVersion: rv });
          continue;
        }
        const type = line.type === 'ADDED' ? 'added' : line.type === 'MODIFIED' ? 'modified' : 'deleted';
        opts.onEvent({ type, object: line.object });
      }
      // A server that closes watches at once must not be asked again in a tight loop.
      if (!heard && Date.now() - began < 1000) await sleep(delay, opts.signal);
    } catch (err) {
      if (opts.signal.aborted) return;
      if (err instanceof KubeApiError && err.status === 410) {
        // The resourceVersion is older than the server keeps (compaction): only a new LIST can resume.
        rv = undefined;
        reason = 'gone';
        continue;
      }
      opts.onError?.(err);
      await sleep(delay, opts.signal);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

async function listAt(
  kube: Kube,
  info: ResourceInfo,
  opts: WatchOptions,
): Promise<{ objects: KubeObject[]; resourceVersion: string }> {
  const objects: KubeObject[] = [];
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const res = await kube.client.request({
      method: 'GET',
      verb: 'LIST',
      path: resourcePath(info, opts.namespace),
      query: { labelSelector: opts.labelSelector, limit: LIST_PAGE, continue: cont },
    });
    const body = res.body as {
      items?: KubeObject[];
      metadata?: { continue?: string; resourceVersion?: string };
    };
    // Every page of a paginated LIST is one snapshot, at the resourceVersion the first page names.
    resourceVersion ||= body.metadata?.resourceVersion ?? '';
    for (const item of body.items ?? []) objects.push({ ...item, apiVersion, kind: info.kind });
    cont = body.metadata?.continue || undefined;
  } while (cont);
  return { objects, resourceVersion };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
