import { formatRef } from '../../core/refs.ts';
import type { SyncResult } from '../../core/types.ts';

// GitHub takes comments up to 65,536 characters; the diff is cut well before, whatever the host.
const MAX_COMMENT = 60_000;

/** The hidden line that finds the agent's own comment again, one per preview context. */
export function commentMarker(context: string): string {
  return `<!-- gitops-agent preview: ${context.replace(/--/g, '—')} -->`;
}

/**
 * The pull-request comment of a preview: the verdict, then each planned change with its diff (Secret values
 * are masked by the plan already), cut to a size every host takes.
 */
export function previewComment(
  context: string,
  headCommit: string,
  summary: string,
  result: SyncResult,
): string {
  const head = [commentMarker(context), `**${context}** at \`${headCommit.slice(0, 12)}\`: ${summary}`, ''];
  if (result.outcome === 'failed')
    return [...head, '```', result.error?.message ?? 'diff failed', '```'].join('\n');
  const parts: string[] = [];
  let size = head.join('\n').length;
  for (const c of result.changes) {
    if (c.action === 'unchanged') continue;
    const block = [
      `<details><summary>${c.action} ${formatRef(c.ref)}</summary>`,
      '',
      '```diff',
      c.diff ?? '',
      '```',
      '</details>',
      '',
    ].join('\n');
    if (size + block.length > MAX_COMMENT) {
      parts.push('_(more changes left out: the comment would be too long)_');
      break;
    }
    parts.push(block);
    size += block.length;
  }
  return [...head, ...parts].join('\n');
}
