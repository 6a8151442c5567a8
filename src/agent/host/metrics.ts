import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the commit statuses, on the agent's registry. */
export interface HostMetrics {
  /** `gitops_commit_status_posts_total{target,provider,state}`: statuses posted. */
  posts: Counter<'target' | 'provider' | 'state'>;
  /** `gitops_commit_status_failures_total{target,provider,code}`: statuses given up on, by HostError code. */
  failures: Counter<'target' | 'provider' | 'code'>;
  /** `gitops_commit_status_dropped_total`: statuses dropped because the queue was full. */
  dropped: Counter;
  /** `gitops_commit_status_queue_depth`: statuses queued, in flight or waiting for a retry. */
  depth: Gauge;
  /** `gitops_previews_total{target,state}`: pull-request previews run, by the state posted. */
  previews: Counter<'target' | 'state'>;
  /** `gitops_commit_status_host_ok{target}`: 1 while the host takes the target's statuses, 0 after a refusal. */
  hostOk: Gauge<'target'>;
}

/** Registers the commit-status metrics on `registry`. */
export function createHostMetrics(registry: Registry, depth: () => number): HostMetrics {
  const registers = [registry];
  return {
    posts: new Counter({
      name: 'gitops_commit_status_posts_total',
      help: 'Commit statuses posted to the Git host, by state.',
      labelNames: ['target', 'provider', 'state'],
      registers,
    }),
    failures: new Counter({
      name: 'gitops_commit_status_failures_total',
      help: 'Commit statuses the Git host refused or never took, by error code (HOST_UNAUTHORIZED, HOST_NOT_FOUND, …).',
      labelNames: ['target', 'provider', 'code'],
      registers,
    }),
    dropped: new Counter({
      name: 'gitops_commit_status_dropped_total',
      help: 'Commit statuses dropped because the status queue was full.',
      registers,
    }),
    depth: new Gauge({
      name: 'gitops_commit_status_queue_depth',
      help: 'Commit statuses queued, in flight or waiting for a retry.',
      registers,
      collect() {
        this.set(depth());
      },
    }),
    hostOk: new Gauge({
      name: 'gitops_commit_status_host_ok',
      help: "1 while the Git host takes the target's commit statuses, 0 after it refused one (401, 403, 404, 422, no token).",
      labelNames: ['target'],
      registers,
    }),
    previews: new Counter({
      name: 'gitops_previews_total',
      help: 'Pull-request previews (a diff of the head commit) run, by the state posted.',
      labelNames: ['target', 'state'],
      registers,
    }),
  };
}
