import type { KubeObject } from '../core/types.ts';

/**
 * The object as the API server stores it, for fields it rewrites on write: a Secret's write-only `stringData`
 * is merged into `data` (base64, `stringData` winning as it does on the server), as Flux does before applying
 * (fluxcd/pkg ssa/normalize). Applied as written, the agent would own `f:stringData` while edits land in
 * `f:data`, so an edit would never change the agent's managedFields entry and the no-op fast path would miss it.
 */
export function asStored(object: KubeObject): KubeObject {
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret' || !isMap(object.stringData)) return object;
  const { stringData, ...rest } = object;
  const data: Record<string, unknown> = { ...(isMap(object.data) ? object.data : {}) };
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(typeof value === 'string' ? value : String(value), 'utf8').toString('base64');
  }
  return { ...rest, data } as KubeObject;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
