import type { ObjectRef } from '../core/types.ts';
import type { Kube } from './objects.ts';

/** A Kubernetes Event to record on an object. */
export interface EventInput {
  /** The object the event is about; it must exist, with its UID when known. */
  regarding: ObjectRef & { uid?: string; apiVersion: string };
  /** `Normal` or `Warning`. */
  type: 'Normal' | 'Warning';
  /** CamelCase reason, stable for alerting, e.g. `DriftCorrected`. */
  reason: string;
  /** Human-readable note (at most 1 kB is kept). */
  note: string;
  /** What was done, e.g. `Apply`. */
  action: string;
}

/** Who records the events: the reporting controller and this replica's instance name. */
export interface EventSource {
  controller: string;
  instance: string;
}

/**
 * Records an events.k8s.io/v1 Event in the object's namespace (default for cluster-scoped objects); a failure
 * is returned, not thrown, because an event is a report, never a reason to fail a sync.
 */
export async function recordEvent(
  kube: Kube,
  source: EventSource,
  input: EventInput,
): Promise<Error | undefined> {
  const namespace = input.regarding.namespace || 'default';
  const now = new Date().toISOString().replace(/(\.\d{3})\d*Z$/, '$1000Z');
  const body = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    // `name.` is not a valid generateName (a trailing dot fails validation), so the name is made as client-go
    // makes it: the object's name, a dot, and the time in nanoseconds in hex.
    metadata: { name: `${input.regarding.name.slice(0, 200)}.${eventSuffix()}`, namespace },
    eventTime: now,
    reportingController: source.controller,
    reportingInstance: source.instance,
    action: input.action,
    reason: input.reason,
    type: input.type,
    note: input.note.slice(0, 1024),
    regarding: {
      apiVersion: input.regarding.apiVersion,
      kind: input.regarding.kind,
      name: input.regarding.name,
      ...(input.regarding.namespace ? { namespace: input.regarding.namespace } : {}),
      ...(input.regarding.uid ? { uid: input.regarding.uid } : {}),
    },
  };
  try {
    await kube.client.request({
      method: 'POST',
      verb: 'EVENT',
      path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: JSON.stringify(body),
    });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

// Nanoseconds since the epoch in hex; the random tail keeps two events of one object in one millisecond apart.
function eventSuffix(): string {
  const ns = BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return ns.toString(16);
}
