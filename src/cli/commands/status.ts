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

/** The table `flux get kustomizations` prints: name, revision, suspended, ready, message, and the time since the last sync. */
export function formatStatusTable(rows: StatusRow[], now: Date): string {
  if (!rows.length) return 'No targets found.\n';
  const table = [['NAMESPACE', 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']];
  for (const r of rows) {
    const s = r.status;
    const rev = s?.lastAttemptedRevision ? `${s.ref}@sha1:${s.lastAttemptedRevision.slice(0, 12)}` : '';
    const age = s ? formatDuration(Math.max(0, now.getTime() - Date.parse(s.lastAttemptAt))) : '';
    table.push([
      r.namespace,
      r.name,
      rev,
      s ? String(s.suspended) : '',
      s?.ready ?? 'Unknown',
      (s?.message ?? 'no status yet').split('\n')[0]!,
      age,
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return (
    table
      .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}
