import type { KubeObject } from '../core/types.ts';

const MASK = '***';

/**
 * Masks Secret values on both sides of a diff, as kubectl diff does: equal values become `***`, changed ones
 * `*** (before)` and `*** (after)`, so a diff shows which keys changed but never what they hold.
 */
export function maskSecrets(
  live: KubeObject | undefined,
  desired: KubeObject,
): [KubeObject | undefined, KubeObject] {
  if (desired.kind !== 'Secret' || desired.apiVersion !== 'v1') return [live, desired];
  const before = {
    ...(live?.data as Record<string, string> | undefined),
    ...(live?.stringData as Record<string, string> | undefined),
  };
  const after = {
    ...(desired.data as Record<string, string> | undefined),
    ...(desired.stringData as Record<string, string> | undefined),
  };
  const mask = (own: Record<string, string>, other: Record<string, string>, tag: string) =>
    Object.fromEntries(
      Object.keys(own).map((k) => [k, k in other && other[k] !== own[k] ? `${MASK} (${tag})` : MASK]),
    );
  const strip = (o: KubeObject, values: Record<string, string>): KubeObject => {
    const { data: _d, stringData: _s, ...rest } = o;
    return Object.keys(values).length ? ({ ...rest, data: values } as KubeObject) : (rest as KubeObject);
  };
  return [live && strip(live, mask(before, after, 'before')), strip(desired, mask(after, before, 'after'))];
}
