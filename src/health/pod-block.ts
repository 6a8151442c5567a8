import type { HealthCause, KubeObject } from '../core/types.ts';
import { fieldAt, intField, isRecord, stringField } from './fields.ts';

/** Why one pod cannot run, in the kubelet's or scheduler's words, and since when (epoch ms). */
export type PodBlock = Omit<HealthCause, 'blocked' | 'total'> & { sinceMs: number };

// Waiting reasons that do not resolve by waiting: the kubelet retries them with back-off forever.
const BLOCKING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** What keeps a pod from running, or undefined when nothing known does (it is running, finished or just starting). */
export function podBlock(pod: KubeObject, now: Date = new Date()): PodBlock | undefined {
  if (fieldAt(pod, 'metadata.deletionTimestamp') != null) return undefined;
  const phase = stringField(pod, 'status.phase', '');
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const name = pod.metadata.name;
  const conditions = listAt(pod, 'status.conditions');
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return {
      reason: 'Unschedulable',
      message: str(scheduled.message),
      pod: name,
      ...sinceOf(pod, scheduled.lastTransitionTime, now),
    };
  }
  // Init containers first: while one is blocked, the others have not been started.
  for (const status of [
    ...listAt(pod, 'status.initContainerStatuses'),
    ...listAt(pod, 'status.containerStatuses'),
  ]) {
    const reason = stringField(status, 'state.waiting.reason', '');
    if (!BLOCKING.has(reason)) continue;
    const message = stringField(status, 'state.waiting.message', '');
    const ready = conditions.find((c) => c.type === 'Ready' && c.status !== 'True');
    const block: PodBlock = {
      reason,
      message,
      pod: name,
      container: str(status.name),
      ...sinceOf(pod, ready?.lastTransitionTime, now),
    };
    if (IMAGE_REASONS.has(reason)) block.image = imageOf(pod, str(status.name)) ?? str(status.image);
    if (reason === 'CrashLoopBackOff') block.restarts = intField(status, 'restartCount', 0);
    if (reason === 'CreateContainerConfigError') {
      const missing = missingConfig(message);
      if (missing) block.missing = missing;
    }
    return block;
  }
  return undefined;
}

/** One sentence naming the cause, for health messages. */
export function describeCause(c: Omit<HealthCause, 'blocked' | 'total'>): string {
  const said = c.message ? `: ${c.message}` : '';
  if (c.pod === undefined) return `pods cannot be created (${c.reason})${said}`;
  const where = c.container ? `pod ${c.pod} container ${c.container}` : `pod ${c.pod}`;
  if (c.image !== undefined) return `${where} cannot pull image "${c.image}" (${c.reason})${said}`;
  if (c.reason === 'CrashLoopBackOff') {
    return `${where} is crash-looping (CrashLoopBackOff, ${c.restarts ?? 0} restarts)${said}`;
  }
  if (c.reason === 'Unschedulable') return `${where} cannot be scheduled (Unschedulable)${said}`;
  if (c.missing) {
    const key = c.missing.key ? ` key ${c.missing.key}` : '';
    return `${where} cannot start: ${c.missing.kind} "${c.missing.name}"${key} is missing (${c.reason})${said}`;
  }
  return `${where} cannot start (${c.reason})${said}`;
}

/**
 * The ConfigMap or Secret a CreateContainerConfigError names, from the kubelet's messages
 * `configmap "x" not found` and `couldn't find key k in Secret ns/x`.
 */
export function missingConfig(message: string): HealthCause['missing'] {
  const object = /\b(configmap|secret) "([^"]+)" not found/i.exec(message);
  if (object) return { kind: kindName(object[1]!), name: object[2]! };
  const key = /couldn't find key (\S+) in (ConfigMap|Secret) (?:[^/\s]+\/)?(\S+)/i.exec(message);
  if (key) return { kind: kindName(key[2]!), name: key[3]!, key: key[1]! };
  return undefined;
}

function kindName(word: string): 'ConfigMap' | 'Secret' {
  return word.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap';
}

/** The container's image as the pod spec names it (the status may show a resolved digest instead). */
function imageOf(pod: KubeObject, container: string): string | undefined {
  for (const c of [...listAt(pod, 'spec.initContainers'), ...listAt(pod, 'spec.containers')]) {
    if (c.name === container && typeof c.image === 'string') return c.image;
  }
  return undefined;
}

/** The blocked state's start: the condition's transition time, else the pod's creation; unparsable reads as now. */
function sinceOf(pod: KubeObject, transition: unknown, now: Date): { since?: string; sinceMs: number } {
  for (const t of [transition, pod.metadata.creationTimestamp]) {
    if (typeof t !== 'string') continue;
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return { since: t, sinceMs: ms };
  }
  return { sinceMs: now.getTime() };
}

function listAt(obj: unknown, path: string): Record<string, unknown>[] {
  const value = fieldAt(obj, path);
  return Array.isArray(value) ? (value as unknown[]).filter(isRecord) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
