import type { ApplyOutcome, Plan } from '../core/types.ts';

/**
 * Splits off the Namespace that holds the inventory when this commit creates it: the inventory parent cannot be
 * saved before its namespace exists, so that one Namespace is applied alone first and everything else after the
 * parent has recorded it. `first` is undefined when the namespace already exists or the commit does not bring it.
 */
export function splitBootstrap(plan: Plan, inventoryNamespace: string): { first?: Plan; rest: Plan } {
  const ns = plan.entries.find(
    (e) =>
      e.action === 'created' &&
      e.ref.group === '' &&
      e.ref.kind === 'Namespace' &&
      e.ref.name === inventoryNamespace,
  );
  if (!ns) return { rest: plan };
  return {
    first: { entries: [ns], stale: [] },
    rest: { ...plan, entries: plan.entries.filter((e) => e !== ns) },
  };
}

/** One outcome from the bootstrap apply (if any) and the apply of the rest. */
export function joinOutcomes(first: ApplyOutcome | undefined, rest: ApplyOutcome): ApplyOutcome {
  if (!first) return rest;
  return {
    changes: [...first.changes, ...rest.changes],
    applied: new Map([...first.applied, ...rest.applied]),
    ok: first.ok && rest.ok,
    retryable: first.retryable && rest.retryable,
  };
}
