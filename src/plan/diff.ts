import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject, ObjectRef } from '../core/types.ts';
import { formatRef } from '../core/refs.ts';
import { maskSecrets } from './mask.ts';
import { normalizeForDiff } from './normalize.ts';

/** A unified diff from the live object (absent when it is created) to the desired one, Secret values masked. */
export function unifiedDiff(ref: ObjectRef, live: KubeObject | undefined, desired: KubeObject): string {
  const [a, b] = maskSecrets(live && normalizeForDiff(live), normalizeForDiff(desired));
  const name = formatRef(ref);
  const patch = createTwoFilesPatch(
    `live/${name}`,
    `git/${name}`,
    a ? toYaml(a) : '',
    toYaml(b),
    undefined,
    undefined,
    {
      context: 3,
    },
  );
  // Drop the `Index:`/`===` preamble createTwoFilesPatch writes; keep the ---/+++ and hunks like kubectl diff.
  return patch.slice(patch.indexOf('---'));
}

/** Whether two objects are equal once normalised for diffing. */
export function sameObject(live: KubeObject, desired: KubeObject): boolean {
  return isDeepStrictEqual(normalizeForDiff(live), normalizeForDiff(desired));
}

function toYaml(obj: KubeObject): string {
  return stringify(obj, { sortMapEntries: true, lineWidth: 0 });
}
