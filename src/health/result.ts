import type { Health } from '../core/types.ts';

/** Current, with no reason. */
export function current(message: string): Health {
  return { status: 'Current', message };
}

/** InProgress, carrying the reason kstatus would put on a Reconciling condition. */
export function inProgress(reason: string, message: string): Health {
  return reason ? { status: 'InProgress', message, reason } : { status: 'InProgress', message };
}

/** Failed, carrying the reason kstatus would put on a Stalled condition. */
export function failed(reason: string, message: string): Health {
  return reason ? { status: 'Failed', message, reason } : { status: 'Failed', message };
}

/** Unknown, for an object whose status cannot be read; kstatus returns an error here. */
export function unknown(problem: string): Health {
  return { status: 'Unknown', message: `Cannot compute status: ${problem}` };
}
