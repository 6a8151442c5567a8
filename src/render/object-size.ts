import type { KubeObject } from '../core/types.ts';

/**
 * Why `object` is too big for the API server to accept, or `undefined` when it fits: its size is measured as
 * the JSON body of the apply request, which is what kube-apiserver limits (413 above 3 MiB by default).
 */
export function objectSizeProblem(object: KubeObject, maxObjectBytes: number): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(object), 'utf8');
  if (bytes <= maxObjectBytes) return undefined;
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return (
    `${object.kind} ${ns}${object.metadata.name} is ${bytes} bytes as JSON, over the ${maxObjectBytes}-byte ` +
    'limit of one object (limit maxObjectBytes; the API server refuses request bodies over 3 MiB and etcd ' +
    'stores at most 1.5 MiB by default): split it, e.g. a ConfigMap into several'
  );
}
