import { CronTime } from 'cron';

/** A sync window: a cron schedule of starts, each opening the window for `durationMs` (as Argo CD's). */
export interface SyncWindow {
  /** `allow`: applying is allowed only inside some allow window; `deny`: never inside a deny window. */
  kind: 'allow' | 'deny';
  /** Five- or six-field cron expression of the window's starts. */
  schedule: string;
  durationMs: number;
  /** IANA time zone the schedule is read in. Default UTC. */
  timeZone?: string;
}

/** Whether applying is allowed at `now`, and if not, which window says so. */
export type WindowVerdict = { allowed: true } | { allowed: false; reason: string };

/** Checks a cron expression and time zone; returns the cron package's message when either is invalid. */
export function cronProblem(schedule: string, timeZone?: string): string | undefined {
  try {
    new CronTime(schedule, timeZone ?? 'UTC');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Whether a window is open at `now`: some start lies in (now - duration, now]. */
export function isOpen(w: SyncWindow, now: Date): boolean {
  const tz = w.timeZone ?? 'UTC';
  const next = new CronTime(w.schedule, tz).getNextDateFrom(new Date(now.getTime() - w.durationMs), tz);
  return next.toMillis() <= now.getTime();
}

/**
 * Decides whether applying is allowed: never inside an open deny window; when allow windows exist, only
 * inside an open one. No windows at all allow always.
 */
export function windowVerdict(windows: readonly SyncWindow[], now: Date): WindowVerdict {
  const deny = windows.find((w) => w.kind === 'deny' && isOpen(w, now));
  if (deny) return { allowed: false, reason: `blocked by sync window (deny "${deny.schedule}")` };
  const allows = windows.filter((w) => w.kind === 'allow');
  if (allows.length && !allows.some((w) => isOpen(w, now)))
    return { allowed: false, reason: `blocked by sync window (outside every allow window)` };
  return { allowed: true };
}
