import type { KubeObject } from '../core/types.ts';
import { LAST_APPLIED } from '../core/ownership.ts';

const MASK = '***';
// Shorter values would mask ordinary words of the object; they are masked in data and stringData regardless.
const MIN_COPY_LENGTH = 4;

/**
 * Masks Secret values on both sides of a diff, as kubectl diff does: equal values become `***`, changed ones
 * `*** (before)` and `*** (after)`, so a diff shows which keys changed but never what they hold. Copies of the
 * values elsewhere are masked too: the whole `last-applied-configuration` annotation, and any other string
 * that contains a value, encoded or decoded.
 */
export function maskSecrets(
  live: KubeObject | undefined,
  desired: KubeObject,
): [KubeObject | undefined, KubeObject] {
  if (desired.kind !== 'Secret' || desired.apiVersion !== 'v1') return [live, desired];
  const before = valuesOf(live);
  const after = valuesOf(desired);
  const copies = [...new Set([...before.values(), ...after.values()].flatMap(forms))].filter(
    (v) => v.length >= MIN_COPY_LENGTH,
  );
  const mask = (own: Map<string, string>, other: Map<string, string>, tag: string) =>
    Object.fromEntries(
      [...own].map(([k, v]) => [k, other.has(k) && other.get(k) !== v ? `${MASK} (${tag})` : MASK]),
    );
  const strip = (
    o: KubeObject,
    values: Record<string, string>,
    other: KubeObject | undefined,
    tag: string,
  ) => {
    const { data: _d, stringData: _s, ...rest } = o;
    const masked = maskCopies(rest, copies) as KubeObject;
    const annotation = o.metadata.annotations?.[LAST_APPLIED];
    if (annotation !== undefined) {
      const theirs = other?.metadata.annotations?.[LAST_APPLIED];
      const changed = theirs !== undefined && theirs !== annotation;
      masked.metadata = {
        ...masked.metadata,
        annotations: { ...masked.metadata.annotations, [LAST_APPLIED]: changed ? `${MASK} (${tag})` : MASK },
      };
    }
    return Object.keys(values).length ? ({ ...masked, data: values } as KubeObject) : masked;
  };
  return [
    live && strip(live, mask(before, after, 'before'), desired, 'before'),
    strip(desired, mask(after, before, 'after'), live, 'after'),
  ];
}

// Values by key as the API server stores them (base64), so that `stringData: {a: x}` equals `data: {a: eA==}`.
function valuesOf(o: KubeObject | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries((o?.data ?? {}) as Record<string, unknown>)) values.set(k, String(v));
  for (const [k, v] of Object.entries((o?.stringData ?? {}) as Record<string, unknown>))
    values.set(k, Buffer.from(String(v)).toString('base64'));
  return values;
}

function forms(base64: string): string[] {
  return [base64, Buffer.from(base64, 'base64').toString('utf8')];
}

function maskCopies(value: unknown, copies: readonly string[]): unknown {
  if (typeof value === 'string') return copies.some((c) => value.includes(c)) ? MASK : value;
  if (Array.isArray(value)) return value.map((v) => maskCopies(v, copies));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskCopies(v, copies)]));
  return value;
}
