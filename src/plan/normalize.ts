import type { KubeObject } from '../core/types.ts';

// Fields the API server rewrites on every write or owns outright; they say nothing about drift.
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
];

/** A copy of an object without server bookkeeping (managedFields, resourceVersion, uid, timestamps) and status. */
export function normalizeForDiff(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const f of SERVER_METADATA) delete metadata[f];
  return { ...rest, metadata } as KubeObject;
}
