// A tap on the real API client of a test's Kube: records every request in order and can act before one is
// sent (pause the sync at an exact point, change the cluster meanwhile, or fail the request as a lost
// connection would). The requests themselves go to the real API server unchanged.
import type { Kube } from '../../src/kube/objects.ts';
import type { KubeClient, KubeRequest, KubeResponse } from '../../src/kube/client.ts';

/** One request the tap saw: `seq` when it started and `done` when it ended, on one shared counter. */
export interface TappedRequest {
  seq: number;
  done?: number;
  /** The counter label (`APPLY`, `DRYRUN`, `LIST`, …), as the client counts it. */
  verb: string;
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  /** HTTP status of the answer, or of the error; 0 when the request failed without an answer. */
  status?: number;
}

/** Called before a request is sent; may wait, act on the cluster, or throw to fail the request unsent. */
export type BeforeRequest = (req: KubeRequest, seen: TappedRequest) => Promise<void> | void;

/** A tap on a Kube's client; `restore()` puts the plain client back. */
export interface RequestTap {
  readonly log: TappedRequest[];
  /** Requests whose verb label is one of `verbs`, in the order they started. */
  only(...verbs: string[]): TappedRequest[];
  restore(): void;
}

type Request = (this: KubeClient, req: KubeRequest) => Promise<KubeResponse>;
type View = (this: KubeClient, ...args: unknown[]) => KubeClient;

/**
 * Starts recording the requests of `kube`, calling `before` (if given) ahead of each one. The tap sits on the
 * client class and only acts for `kube.client` and views derived from it (a client may hand each run a view
 * with its own counters), so it sees every request a reconcile makes through that Kube.
 */
export function tapRequests(kube: Kube, before?: BeforeRequest): RequestTap {
  const proto = Object.getPrototypeOf(kube.client) as { request: Request; view?: View };
  const originalRequest = proto.request;
  const originalView = proto.view;
  const ours = new WeakSet<object>([kube.client]);
  const log: TappedRequest[] = [];
  let clock = 0;
  proto.request = async function tapped(this: KubeClient, req: KubeRequest): Promise<KubeResponse> {
    if (!ours.has(this)) return originalRequest.call(this, req);
    const seen: TappedRequest = {
      seq: ++clock,
      verb: req.verb ?? req.method,
      method: req.method,
      path: req.path,
      query: req.query ?? {},
    };
    log.push(seen);
    try {
      await before?.(req, seen);
      const res = await originalRequest.call(this, req);
      seen.status = res.status;
      return res;
    } catch (err) {
      seen.status = (err as { status?: number }).status ?? 0;
      throw err;
    } finally {
      seen.done = ++clock;
    }
  };
  if (originalView) {
    proto.view = function view(this: KubeClient, ...args: unknown[]): KubeClient {
      const v = originalView.apply(this, args);
      if (ours.has(this)) ours.add(v);
      return v;
    };
  }
  return {
    log,
    only: (...verbs) => log.filter((r) => verbs.includes(r.verb)),
    restore: () => {
      proto.request = originalRequest;
      if (originalView) proto.view = originalView;
    },
  };
}
