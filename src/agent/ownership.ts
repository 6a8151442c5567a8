/**
 * Which targets this replica may write for. The agent asks before every sync and every self-heal; leader
 * election and per-target Leases (src/agent/leases/) implement it for many replicas, `soleOwner` for one.
 */
export interface TargetOwnership {
  /** Starts taking part (campaigning, renewing); resolves once the first view of ownership is known. */
  start(signal: AbortSignal): Promise<void>;
  /** True while this replica holds the right to write for the target. */
  owns(target: string): boolean;
  /** Called whenever the set of owned targets changes, with the new set. */
  onChange(listener: (owned: ReadonlySet<string>) => void): void;
  /** Gives up every Lease held, so another replica can take over at once (SIGTERM). */
  release(): Promise<void>;
}

/** Ownership for a single replica with no Leases: every configured target is owned, always. */
export function soleOwner(targets: () => Iterable<string>): TargetOwnership {
  return {
    start: async () => {},
    owns: (target) => [...targets()].includes(target),
    onChange: () => {},
    release: async () => {},
  };
}

/** A write in progress for one target; `signal` aborts if the right to write is lost before end(). */
export interface WriteGuard {
  readonly signal: AbortSignal;
  end(): void;
}

/**
 * Ownership that can keep a target while a write is in flight: a rebalance that moves the target away waits for
 * end() (the Lease is still renewed meanwhile), so the next owner never starts while this one still writes.
 */
export interface GuardedOwnership extends TargetOwnership {
  /** Starts a write for the target: a guard while this replica owns it, undefined when it does not. */
  begin(target: string): WriteGuard | undefined;
}

/** Starts a write under any ownership: a guard from GuardedOwnership, else one that lasts while owns() says so. */
export function beginWrite(ownership: TargetOwnership, target: string): WriteGuard | undefined {
  if ('begin' in ownership && typeof ownership.begin === 'function')
    return (ownership as GuardedOwnership).begin(target);
  if (!ownership.owns(target)) return undefined;
  return { signal: new AbortController().signal, end: () => {} };
}
