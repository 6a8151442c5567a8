// A tap on the real API client of a test's Kube: records every request in order and can act before one is
// sent (pause the sync at an exact point, change the cluster meanwhile, or fail the request as a lost
// connection would). The requests themselves go to the real API server unchanged.
import type { Kube } from '../../src/kube/objects.ts';
import type { KubeRequest, KubeResponse } from '../../src/kube/client.ts';

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

/** Starts recording the requests of `kube`, calling `before` (if given) ahead of each one. */
export function tapRequests(kube: Kube, before?: BeforeRequest): RequestTap {
  const client = kube.client;
  const original = client.request;
  const log: TappedRequest[] = [];
  let clock = 0;
  client.request = async function tapped(req: KubeRequest): Promise<KubeResponse> {
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
      const res = await original.call(client, req);
      seen.status = res.status;
      return res;
    } catch (err) {
      seen.status = (err as { status?: number }).status ?? 0;
      throw err;
    } finally {
      seen.done = ++clock;
    }
  };
  return {
    log,
    only: (...verbs) => log.filter((r) => verbs.includes(r.verb)),
    restore: () => {
      client.request = original;
    },
  };
}
