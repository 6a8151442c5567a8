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
