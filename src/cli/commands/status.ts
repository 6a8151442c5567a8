import { Kube } from '../../kube/objects.ts';
import { listParents, statusFromParent } from '../../agent/parent.ts';
import type { TargetStatus } from '../../agent/target-status.ts';
import { formatDuration } from '../../agent/duration.ts';

/** One row of `gitops-agent status`: a target found on the cluster and its last status, if written. */
export interface StatusRow {
  name: string;
  namespace: string;
  status?: TargetStatus;
}

/** `gitops-agent status`: every target's last sync, read from the inventory parents (all namespaces by default). */
export async function printStatus(opts: {
  kubeconfig?: string;
  namespace?: string;
  output: 'text' | 'json';
}): Promise<number> {
  const kube = Kube.load(opts.kubeconfig);
  try {
    const rows: StatusRow[] = (await listParents(kube, opts.namespace))
      .map((m) => ({
        name: m.name.slice('gitops-agent.'.length),
        namespace: m.namespace ?? '',
        status: statusFromParent(m),
      }))
      .sort((a, b) => (a.namespace + a.name < b.namespace + b.name ? -1 : 1));
    process.stdout.write(
      opts.output === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatStatusTable(rows, new Date()),
    );
    return 0;
  } finally {
    kube.close();
  }
}

/**
 * The table `flux get kustomizations` prints: name, revision, suspended, ready, message, and the time since the
 * last sync; with a HOST column (`ok`, `refused: CODE`) when a target has a Git host, and each refusal's message
 * on a line of its own under the row.
 */
export function formatStatusTable(rows: StatusRow[], now: Date): string {
  if (!rows.length) return 'No targets found.\n';
  const hosts = rows.some((r) => r.status?.host);
  const head = [
    'NAMESPACE',
    'NAME',
    'REVISION',
    'SUSPENDED',
    'READY',
    ...(hosts ? ['HOST'] : []),
    'MESSAGE',
    'AGE',
  ];
  const table = [head];
  const notes = new Map<number, string>();
  for (const r of rows) {
    const s = r.status;
    const rev = s?.lastAttemptedRevision ? `${s.ref}@sha1:${s.lastAttemptedRevision.slice(0, 12)}` : '';
    const age = s ? formatDuration(Math.max(0, now.getTime() - Date.parse(s.lastAttemptAt))) : '';
    if (s?.host?.ok === false)
      notes.set(table.length, `  host refused the commit statuses: ${firstLine(s.host.message)}`);
    table.push([
      r.namespace,
      r.name,
      rev,
      s ? String(s.suspended) : '',
      s?.ready ?? 'Unknown',
      ...(hosts ? [hostCell(s?.host)] : []),
      firstLine(s?.message ?? 'no status yet'),
      age,
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row, n) => {
    const line = row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    const note = notes.get(n);
    return note ? `${line}\n${note}` : line;
  });
  return lines.join('\n') + '\n';
}

function hostCell(host: TargetStatus['host']): string {
  if (!host) return '-';
  return host.ok ? 'ok' : `refused: ${host.code}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
