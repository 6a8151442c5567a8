// Replicas in child processes and the checks over what they report: claim intervals from each replica's own
// view, overlaps between replicas, and a cross-check of those claims against Leases sampled from the API.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KubeClient } from '../../../src/kube/client.ts';
import { assignedTo } from '../../../src/agent/leases/assign.ts';
import { leaseNow, listLeases } from '../../../src/kube/lease.ts';
import type { ReplicaSpec } from './leases-replica.ts';

const SCRIPT = fileURLToPath(new URL('./leases-replica.ts', import.meta.url));

/** One line a replica printed: when, who, and each owned target with the time until which it may write. */
export interface ReplicaLine {
  t: number;
  id: string;
  event: string;
  owned: Record<string, number>;
}

/** A replica process and everything it printed so far. */
export interface Replica {
  id: string;
  child: ChildProcess;
  lines: ReplicaLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** When it was sent SIGKILL (leaseNow() ms), if it was. */
  killedAt?: number;
}

/** Starts a replica process; its lines are collected as they come. */
export function spawnReplica(spec: ReplicaSpec): Replica {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const replica: Replica = {
    id: spec.identity,
    child,
    lines: [],
    stderr: [],
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: leaseNow() })),
    ),
  };
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) replica.lines.push(JSON.parse(p) as ReplicaLine);
  });
  child.stderr!.on('data', (d: Buffer) => replica.stderr.push(d.toString()));
  return replica;
}

/** Sends SIGKILL and remembers when. */
export function kill9(replica: Replica): number {
  replica.killedAt = leaseNow();
  replica.child.kill('SIGKILL');
  return replica.killedAt;
}

/** What a replica claims to own now, by its last line and the deadlines in it. */
export function ownedNow(replica: Replica, now = leaseNow()): Set<string> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return new Set();
  const last = replica.lines.at(-1);
  return new Set(Object.entries(last?.owned ?? {}).flatMap(([t, until]) => (until > now ? [t] : [])));
}

/** A stretch of time during which one replica may have written for one target. */
export interface Claim {
  id: string;
  target: string;
  from: number;
  to: number;
}

/**
 * The claims of a replica: a target owned at a line is claimed from that line until the next line, or until its
 * deadline if that comes first (a replica that is frozen or killed may write until its deadline, never after).
 */
export function claimsOf(replica: Replica): Claim[] {
  const claims: Claim[] = [];
  const { lines } = replica;
  lines.forEach((line, i) => {
    const next = lines[i + 1]?.t ?? Infinity;
    for (const [target, until] of Object.entries(line.owned)) {
      const to = Math.min(next, until);
      if (to > line.t) claims.push({ id: replica.id, target, from: line.t, to });
    }
  });
  return claims;
}

/** Every pair of claims by two different replicas on one target that overlap in time. */
export function overlaps(replicas: Replica[]): [Claim, Claim][] {
  const byTarget = new Map<string, Claim[]>();
  for (const c of replicas.flatMap(claimsOf)) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  const found: [Claim, Claim][] = [];
  for (const claims of byTarget.values()) {
    claims.sort((a, b) => a.from - b.from);
    for (let i = 0; i < claims.length; i++)
      for (let j = i + 1; j < claims.length && claims[j]!.from < claims[i]!.to; j++)
        if (claims[j]!.id !== claims[i]!.id) found.push([claims[i]!, claims[j]!]);
  }
  return found;
}

/** One LIST of the Leases: when it was sent and answered, and each Lease's holder. */
export interface LeaseSample {
  sentAt: number;
  answeredAt: number;
  holders: Map<string, string>;
}

/** Lists the Leases with the label every `everyMs` until the signal aborts. */
export async function sampleLeases(
  client: KubeClient,
  namespace: string,
  selector: string,
  everyMs: number,
  signal: AbortSignal,
): Promise<LeaseSample[]> {
  const samples: LeaseSample[] = [];
  while (!signal.aborted) {
    const sentAt = leaseNow();
    try {
      const leases = await listLeases(client, namespace, selector);
      samples.push({
        sentAt,
        answeredAt: leaseNow(),
        holders: new Map(leases.map((l) => [l.metadata.name, l.spec.holderIdentity ?? ''])),
      });
    } catch {
      // A failed sample proves nothing either way; the next one follows.
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return samples;
}

/**
 * Claims that the API contradicts: a replica claimed a target through a whole LIST while that LIST showed
 * another holder of the target's Lease. `leaseName` maps a claimed target to its Lease's name.
 */
export function contradictions(
  replicas: Replica[],
  samples: LeaseSample[],
  leaseName: (target: string) => string,
): string[] {
  const claims = replicas.flatMap(claimsOf);
  const found: string[] = [];
  for (const s of samples)
    for (const c of claims) {
      if (c.from > s.sentAt || c.to < s.answeredAt) continue;
      const holder = s.holders.get(leaseName(c.target));
      if (holder !== c.id)
        found.push(`${c.id} claimed ${c.target} while the Lease said ${holder ?? 'nothing'}`);
    }
  return found;
}

/** Polls until check() is true, failing with `what` after timeoutMs. */
export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const deadline = leaseNow() + timeoutMs;
  while (!check()) {
    if (leaseNow() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return leaseNow();
}

/** Whether every target is claimed now by exactly one of the replicas. */
export function heldOnce(replicas: Replica[], targets: string[]): boolean {
  const now = leaseNow();
  const count = new Map(targets.map((t) => [t, 0]));
  for (const r of replicas) for (const t of ownedNow(r, now)) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count.values()].every((n) => n === 1);
}

/** Every target held once, and each replica holding exactly what rendezvous hashing over them assigns it. */
export function settledOn(replicas: Replica[], targets: string[]): boolean {
  const ids = replicas.map((r) => r.id);
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  return (
    heldOnce(replicas, targets) && replicas.every((r) => same(ownedNow(r), assignedTo(r.id, ids, targets)))
  );
}
