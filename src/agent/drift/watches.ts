import type { KubeObject } from '../../core/types.ts';
import { groupOf } from '../../core/refs.ts';
import type { Kube } from '../../kube/objects.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { watchObjects } from '../../kube/watch.ts';

/** What one watch covers: a kind, in one namespace or in all. */
export interface WatchScope {
  group: string;
  kind: string;
  namespace?: string;
}

/** Options of KindWatches. */
export interface KindWatchesOptions {
  kube: Kube;
  labelSelector: string;
  signal: AbortSignal;
  onObject(obj: KubeObject, deleted: boolean): void;
  /** Every object of a scope after a LIST (start, or relist after 410 Gone). */
  onListed(objects: KubeObject[], scope: WatchScope): void;
  /** A scope is no longer watched: what was remembered of it can go. */
  onDropped(scope: WatchScope): void;
  onError(err: unknown, kind: string): void;
}

interface Running {
  scope: WatchScope;
  controller: AbortController;
  listed: Promise<void>;
  done: Promise<void>;
}

/**
 * The set of label-filtered watches of one target: one per kind its objects have, limited to their namespace
 * when they all share one, so the agent holds nothing of the cluster beyond its own objects. Where RBAC
 * forbids watching a kind in all namespaces, it is watched in each of its objects' namespaces instead.
 */
export class KindWatches {
  readonly #o: KindWatchesOptions;
  readonly #running = new Map<string, Running>();
  // Kinds (`group/Kind`) whose cluster-wide watch was forbidden: watched per namespace from then on.
  readonly #perNamespace = new Set<string>();
  #objects: readonly KubeObject[] = [];

  constructor(options: KindWatchesOptions) {
    this.#o = options;
  }

  /** Watches exactly the scopes `objects` need; resolves when every watch has listed once (or the signal aborted). */
  set(objects: readonly KubeObject[]): Promise<void> {
    this.#objects = objects;
    const wanted = scopesOf(objects, this.#perNamespace);
    for (const [key, run] of this.#running) {
      if (wanted.has(key)) continue;
      run.controller.abort();
      this.#running.delete(key);
      this.#o.onDropped(run.scope);
    }
    for (const [key, scope] of wanted)
      if (!this.#running.has(key)) this.#running.set(key, this.#start(scope));
    return this.#ready();
  }

  // Waits until the watches running now have listed, again if a fallback replaced some meanwhile.
  async #ready(): Promise<void> {
    for (;;) {
      const runs = [...this.#running.values()];
      await Promise.all(runs.map((r) => r.listed));
      const now = [...this.#running.values()];
      if (now.length === runs.length && now.every((r, i) => r === runs[i])) return;
    }
  }

  /** Resolves when every watch started so far has returned. */
  async stopped(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  #start(scope: WatchScope): Running {
    const controller = new AbortController();
    const signal = AbortSignal.any([this.#o.signal, controller.signal]);
    let markListed!: () => void;
    const listed = new Promise<void>((resolve) => (markListed = resolve));
    signal.addEventListener('abort', () => markListed(), { once: true });
    const done = watchObjects(this.#o.kube, {
      ...scope,
      labelSelector: this.#o.labelSelector,
      signal,
      onEvent: (e) => {
        if (e.type === 'listed') {
          this.#o.onListed(e.objects, scope);
          markListed();
        } else if (e.type !== 'bookmark') this.#o.onObject(e.object, e.type === 'deleted');
      },
      onError: (err) => {
        this.#o.onError(err, scope.kind);
        if (scope.namespace === undefined && err instanceof KubeApiError && err.status === 403) {
          this.#perNamespace.add(`${scope.group}/${scope.kind}`);
          void this.set(this.#objects);
        }
      },
    });
    return { scope, controller, listed, done };
  }
}

function scopesOf(
  objects: readonly KubeObject[],
  perNamespace: ReadonlySet<string>,
): Map<string, WatchScope> {
  const namespaces = new Map<string, { group: string; kind: string; ns: Set<string> }>();
  for (const obj of objects) {
    const group = groupOf(obj.apiVersion);
    const gk = `${group}/${obj.kind}`;
    const entry = namespaces.get(gk) ?? { group, kind: obj.kind, ns: new Set<string>() };
    entry.ns.add(obj.metadata.namespace ?? '');
    namespaces.set(gk, entry);
  }
  const scopes = new Map<string, WatchScope>();
  for (const [gk, { group, kind, ns }] of namespaces) {
    // Cluster-scoped kinds (no namespace) and kinds spread over namespaces get one watch across all of them.
    const each = ns.has('') ? [''] : ns.size === 1 || perNamespace.has(gk) ? [...ns] : [''];
    for (const only of each)
      scopes.set(`${gk}/${only}`, only ? { group, kind, namespace: only } : { group, kind });
  }
  return scopes;
}
