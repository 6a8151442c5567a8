import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The agent's Prometheus metrics, on a registry of its own (no global state). Other parts of the agent
 * count through these, e.g. the self-heal: `metrics.driftCorrections.inc({ target })`.
 */
export interface AgentMetrics {
  registry: Registry;
  /** `gitops_sync_duration_seconds{target,outcome}`: how long each sync took. */
  syncDuration: Histogram<'target' | 'outcome'>;
  /** `gitops_syncs_total{target,outcome}`: syncs by outcome (synced, unhealthy, failed, blocked, suspended). */
  syncs: Counter<'target' | 'outcome'>;
  /** `gitops_managed_objects{target}`: objects the target's last sync desired. */
  managedObjects: Gauge<'target'>;
  /** `gitops_drift_corrections_total{target}`: objects re-applied after someone else changed them. */
  driftCorrections: Counter<'target'>;
  /** `gitops_drift_fights_total{target}`: objects given up on because another manager keeps changing them. */
  driftFights: Counter<'target'>;
  /** `gitops_last_successful_sync_timestamp_seconds{target}`: Unix time of the last synced outcome. */
  lastSuccess: Gauge<'target'>;
  /** `gitops_target_info{target,repo,ref,revision}`: 1, labelled with the last attempted revision. */
  targetInfo: Gauge<'target' | 'repo' | 'ref' | 'revision'>;
  /** `gitops_git_fetch_duration_seconds{target}`: the source stage (ask the remote, fetch, read files). */
  gitFetchDuration: Histogram<'target'>;
  /** `gitops_api_requests_total{verb,code}`: Kubernetes API requests by verb label and HTTP status. */
  apiRequests: Counter<'verb' | 'code'>;
  /** `gitops_target_suspended{target}`: 1 while the target is suspended. */
  suspended: Gauge<'target'>;
}

/** Creates the metrics on a new registry; every series carries `cluster`. */
export function createMetrics(opts: { cluster: string }): AgentMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ cluster: opts.cluster });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    syncDuration: new Histogram({
      name: 'gitops_sync_duration_seconds',
      help: 'Duration of one sync of a target, by outcome.',
      labelNames: ['target', 'outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    syncs: new Counter({
      name: 'gitops_syncs_total',
      help: 'Syncs of a target, by outcome.',
      labelNames: ['target', 'outcome'],
      registers,
    }),
    managedObjects: new Gauge({
      name: 'gitops_managed_objects',
      help: 'Objects the last sync of the target desired.',
      labelNames: ['target'],
      registers,
    }),
    driftCorrections: new Counter({
      name: 'gitops_drift_corrections_total',
      help: 'Managed objects re-applied after another writer changed or deleted them.',
      labelNames: ['target'],
      registers,
    }),
    driftFights: new Counter({
      name: 'gitops_drift_fights_total',
      help: 'Managed objects reported as a fight: another manager changes them back again and again.',
      labelNames: ['target'],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'gitops_last_successful_sync_timestamp_seconds',
      help: 'Unix time of the last sync of the target that ended synced.',
      labelNames: ['target'],
      registers,
    }),
    targetInfo: new Gauge({
      name: 'gitops_target_info',
      help: 'Always 1; labels name the repository, ref and the last attempted revision of the target.',
      labelNames: ['target', 'repo', 'ref', 'revision'],
      registers,
    }),
    gitFetchDuration: new Histogram({
      name: 'gitops_git_fetch_duration_seconds',
      help: 'Duration of the source stage: asking the remote, fetching if it moved, reading the files.',
      labelNames: ['target'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    apiRequests: new Counter({
      name: 'gitops_api_requests_total',
      help: 'Kubernetes API requests, by verb label and HTTP status code (0: no answer).',
      labelNames: ['verb', 'code'],
      registers,
    }),
    suspended: new Gauge({
      name: 'gitops_target_suspended',
      help: '1 while the target is suspended (not applied).',
      labelNames: ['target'],
      registers,
    }),
  };
}
