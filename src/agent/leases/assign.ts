import { createHash } from 'node:crypto';

/**
 * The member that owns a target by rendezvous (highest-random-weight) hashing: every replica that sees the same
 * members computes the same owner, and a member joining or leaving moves only the targets it wins or held.
 */
export function ownerOf(members: readonly string[], target: string): string | undefined {
  let best: string | undefined;
  let bestWeight = '';
  for (const member of members) {
    const weight = createHash('sha256').update(`${member}\n${target}`).digest('hex');
    if (best === undefined || weight > bestWeight || (weight === bestWeight && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** The targets of `targets` that `member` owns among `members`. */
export function assignedTo(
  member: string,
  members: readonly string[],
  targets: Iterable<string>,
): Set<string> {
  return new Set([...targets].filter((t) => ownerOf(members, t) === member));
}
