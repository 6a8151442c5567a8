import type { KubeObject } from '../core/types.ts';
import { ObjectError } from '../core/errors.ts';
import { refOf } from '../core/refs.ts';
import type { Kube } from '../kube/objects.ts';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Waits until every CRD is Established, failing fast when its names are not accepted. */
export async function waitEstablished(kube: Kube, crds: KubeObject[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    crds.map(async (crd) => {
      for (;;) {
        const live = await kube.get(crd.apiVersion, crd.kind, '', crd.metadata.name);
        const conds = ((live?.status as { conditions?: Condition[] } | undefined)?.conditions ??
          []) as Condition[];
        if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
        const refused = conds.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
        if (refused) {
          throw new ObjectError(
            'apply',
            refOf(crd),
            `names not accepted: ${refused.reason}: ${refused.message}`,
            {
              retryable: false,
            },
          );
        }
        if (Date.now() > deadline) {
          throw new ObjectError('apply', refOf(crd), `not Established within ${timeoutMs / 1000}s`, {
            retryable: true,
          });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
}

/**
 * Refreshes discovery until it serves every version of every CRD: aggregated discovery is updated after a CRD
 * reports Established, so one refresh can still miss the new kinds.
 */
export async function waitServed(kube: Kube, crds: KubeObject[], timeoutMs: number): Promise<void> {
  const wanted = crds.flatMap((crd) => {
    const spec = crd.spec as {
      group?: string;
      names?: { kind?: string };
      versions?: { name: string; served?: boolean }[];
    };
    return (spec.versions ?? [])
      .filter((v) => v.served !== false)
      .map((v) => ({ crd, apiVersion: `${spec.group}/${v.name}`, kind: spec.names?.kind ?? '' }));
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await kube.discovery.refresh();
    const missing = [];
    for (const w of wanted) if (!(await kube.discovery.serves(w.apiVersion, w.kind))) missing.push(w);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new ObjectError(
        'apply',
        refOf(missing[0]!.crd),
        `Established, but discovery does not serve ${missing[0]!.apiVersion} ${missing[0]!.kind} after ${timeoutMs / 1000}s`,
        { retryable: true },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
