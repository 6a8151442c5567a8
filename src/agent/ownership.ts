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
