import type { ChangeSetEntry, SyncResult } from '../core/types.ts';
import { formatRef } from '../core/refs.ts';

/** Text rendering options. */
export interface PrintOptions {
  /** Print unified diffs of changed objects. */
  diffs: boolean;
  /** List unchanged objects too. */
  showUnchanged: boolean;
}

/** Renders a result as human-readable text. */
export function formatResult(r: SyncResult, opts: PrintOptions): string {
  const out: string[] = [];
  out.push(
    `Target ${r.target}  ${r.url}  ref ${r.ref}${r.commit ? `  commit ${r.commit.slice(0, 12)}` : ''}${rendered(r)}`,
  );
  if (opts.diffs) for (const c of r.changes) if (c.diff) out.push(c.diff.trimEnd());
  const shown = r.changes.filter((c) => opts.showUnchanged || c.action !== 'unchanged');
  for (const c of shown)
    out.push(`  ${c.action.padEnd(10)} ${formatRef(c.ref)}${c.message ? `  — ${c.message}` : ''}`);
  // A sync that failed before applying changed nothing; "no objects" would say the commit held none.
  out.push(
    `  ${r.outcome === 'failed' && r.changes.length === 0 ? 'nothing applied' : summarize(r.changes)}`,
  );
  if (r.health.length) {
    const current = r.health.filter((h) => h.status === 'Current').length;
    out.push(`Health: ${current}/${r.health.length} Current`);
    for (const h of r.health.filter((x) => x.status !== 'Current')) {
      out.push(`  ${h.status.padEnd(11)} ${formatRef(h.ref)}: ${h.message}`);
    }
  }
  if (r.error)
    out.push(
      `Error in ${r.error.stage}${r.error.retryable ? ' (will retry)' : ''}:\n  ${r.error.message.replace(/\n/g, '\n  ')}`,
    );
  const timings = Object.entries(r.timings)
    .map(([s, ms]) => `${s} ${ms}ms`)
    .join(', ');
  const requests = Object.entries(r.requests)
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
  const total = Object.values(r.timings).reduce((a, b) => a + (b ?? 0), 0);
  const took = timings ? ` in ${(total / 1000).toFixed(1)}s (${timings})` : '';
  out.push(`Result: ${r.outcome}${took}${requests ? `; API requests: ${requests}` : ''}`);
  return out.join('\n') + '\n';
}

// Plain YAML needs no mention; a tool's name and version say what produced the objects.
function rendered(r: SyncResult): string {
  const by = r.renderer;
  return by && by.tool !== 'plain' ? `  rendered by ${by.tool}${by.version ? ` ${by.version}` : ''}` : '';
}

/** Counts changes by action, e.g. `2 created, 1 configured, 5 unchanged`. */
export function summarize(changes: ChangeSetEntry[]): string {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  const order = ['created', 'configured', 'unchanged', 'deleted', 'skipped', 'failed'];
  const parts = order.filter((a) => counts.has(a)).map((a) => `${counts.get(a)} ${a}`);
  return parts.length ? parts.join(', ') : 'no objects';
}
