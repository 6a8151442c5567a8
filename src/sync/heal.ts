import type { KubeObject, Manifest } from '../core/types.ts';
import { ObjectError } from '../core/errors.ts';
import { needsMigration, ownedHash } from '../core/ownership.ts';
import { refOf } from '../core/refs.ts';
import { takeoverPatch } from '../apply/takeover.ts';
import type { Kube } from '../kube/objects.ts';
import { isRetryable, KubeApiError } from '../kube/errors.ts';

/** Options of one self-heal write. */
export interface HealOptions {
  fieldManager: string;
  /** Take fields back from other managers, as the target's syncs do. */
  force: boolean;
}

/** The result of re-applying one object: what the server now holds, or why it could not. */
export type HealOutcome =
  | {
      ok: true;
      /** `recreated` when no object existed, `reapplied` when it was patched, `unchanged` when the apply changed nothing. */
      action: 'recreated' | 'reapplied' | 'unchanged';
      object: KubeObject;
      /** `ownedHash` of the agent's entry on the result. */
      ownedHash: string | undefined;
    }
  | { ok: false; error: ObjectError };

/**
 * Re-applies one desired object as a sync would (client-side-apply fields taken over first, then server-side
 * apply with the agent's field manager), without a plan or the rest of the set: the write behind self-heal.
 * `live` is the object as last seen, `undefined` after a delete.
 */
export async function healObject(
  kube: Kube,
  manifest: Manifest,
  live: KubeObject | undefined,
  options: HealOptions,
): Promise<HealOutcome> {
  try {
    const patch =
      live && needsMigration(live, options.fieldManager)
        ? takeoverPatch(live, options.fieldManager)
        : undefined;
    if (patch && live) await kube.jsonPatch(live, patch, options.fieldManager);
    const res = await kube.apply(manifest.object, {
      fieldManager: options.fieldManager,
      force: options.force,
      dryRun: false,
    });
    // An apply that changes nothing keeps the resourceVersion: the drift was already gone.
    const same =
      !patch && live !== undefined && res.object.metadata.resourceVersion === live.metadata.resourceVersion;
    return {
      ok: true,
      action: res.created ? 'recreated' : same ? 'unchanged' : 'reapplied',
      object: res.object,
      ownedHash: ownedHash(res.object, options.fieldManager),
    };
  } catch (err) {
    const where = `(${manifest.source.file}:${manifest.source.line})`;
    return {
      ok: false,
      error: new ObjectError(
        'apply',
        refOf(manifest.object),
        `${where}: self-heal apply failed: ${(err as Error).message}`,
        {
          retryable: isRetryable(err),
          status: err instanceof KubeApiError ? err.status : undefined,
          cause: err,
        },
      ),
    };
  }
}
