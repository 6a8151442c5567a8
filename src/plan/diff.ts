import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject, ObjectRef } from '../core/types.ts';
import { formatRef } from '../core/refs.ts';
import { maskSecrets } from './mask.ts';
import { normalizeForDiff } from './normalize.ts';

/**
 * A unified diff from the live object (absent when it is created) to the desired one (absent when it is
 * pruned), Secret values masked.
 */
export function unifiedDiff(
  ref: ObjectRef,
  live: KubeObject | undefined,
  desired: KubeObject | undefined,
): string {
  const [a, b] = desired
    ? maskSecrets(live && normalizeForDiff(live), normalizeForDiff(desired))
    : [live && maskSecrets(undefined, normalizeForDiff(live))[1], undefined];
  const name = formatRef(ref);
  // Three lines of context, as `kubectl diff` (diff -u) shows.
  const patch = createTwoFilesPatch(
    `live/${name}`,
    `git/${name}`,
    a ? toYaml(a) : '',
    b ? toYaml(b) : '',
    '',
    '',
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
