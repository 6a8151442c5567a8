import type { Logger } from 'pino';
import type { ObjectMeta, SyncTarget } from '../core/types.ts';
import type { Kube } from '../kube/objects.ts';
import { parentRef } from '../inventory/store.ts';
import { listParents, statusFromParent } from './parent.ts';
import { REQUESTED_AT_ANNOTATION, type TargetStatus } from './target-status.ts';

/**
 * Asks for a sync of the target whose inventory parent is `namespace/name`: sets `requested-at` to now, as
 * `flux reconcile` sets `reconcile.fluxcd.io/requestedAt`; whichever replica owns the target notices it within
 * seconds. Returns the value set.
 */
export async function requestSync(
  kube: Kube,
  parent: { namespace: string; name: string },
  fieldManager: string,
): Promise<string> {
  const value = new Date().toISOString();
  await kube.client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${encodeURIComponent(parent.namespace)}/configmaps/${encodeURIComponent(parent.name)}`,
    query: { fieldManager },
    contentType: 'application/merge-patch+json',
    body: JSON.stringify({ metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: value } } }),
  });
  return value;
}

/** The inventory parent a target's sync requests go to. */
export function requestParent(target: SyncTarget): { namespace: string; name: string } {
  const ns = target.inventoryNamespace;
  return { namespace: ns, name: parentRef({ target: target.name, namespace: ns }).name };
}

/** Options of the request poller. */
export interface RequestPollerOptions {
  kube: Kube;
  log: Logger;
  intervalMs: () => number;
  targets: () => SyncTarget[];
  /** The `requested-at` value last acted on for a target. */
  handled: (target: string) => string | undefined;
  /** Called when a target's parent carries a `requested-at` value not acted on yet. */
  onRequest: (target: string, value: string) => void;
}

/**
 * Notices `gitops-agent reconcile` requests: reads the metadata of the inventory parents (one LIST per
 * inventory namespace) every few seconds and reports each new `requested-at` value.
 */
export class RequestPoller {
  readonly #opts: RequestPollerOptions;
  #loop: Promise<void> = Promise.resolve();

  constructor(opts: RequestPollerOptions) {
    this.#opts = opts;
  }

  /** The statuses earlier runs left on the parents, by target. */
  async previous(): Promise<Map<string, TargetStatus>> {
    const out = new Map<string, TargetStatus>();
    for (const [name, meta] of await this.#parents()) {
      const status = statusFromParent(meta);
      if (status) out.set(name, status);
    }
    return out;
  }

  /** Starts polling until the signal aborts. */
  start(signal: AbortSignal): void {
    this.#loop = (async () => {
      while (!signal.aborted) {
        await sleep(this.#opts.intervalMs(), signal);
        if (signal.aborted) return;
        try {
          for (const [name, meta] of await this.#parents()) {
            const value = meta.annotations?.[REQUESTED_AT_ANNOTATION];
            if (value && value !== this.#opts.handled(name)) this.#opts.onRequest(name, value);
          }
        } catch (err) {
          this.#opts.log.warn({ err }, 'could not read the inventory parents for reconcile requests');
        }
      }
    })();
  }

  /** Resolves once the polling loop has ended. */
  stopped(): Promise<void> {
    return this.#loop;
  }

  async #parents(): Promise<Map<string, ObjectMeta>> {
    const targets = this.#opts.targets();
    const byParent = new Map(
      targets.map((t) => [`${t.inventoryNamespace}/${requestParent(t).name}`, t.name]),
    );
    const out = new Map<string, ObjectMeta>();
    for (const ns of new Set(targets.map((t) => t.inventoryNamespace))) {
      for (const meta of await listParents(this.#opts.kube, ns)) {
        const name = byParent.get(`${ns}/${meta.name}`);
        if (name) out.set(name, meta);
      }
    }
    return out;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
