import { Counter, type Registry } from 'prom-client';

/** How one delivery ended; the `result` label of `gitops_webhook_deliveries_total`. */
export type DeliveryResult =
  | 'triggered'
  | 'ignored'
  | 'ping'
  | 'pull-request'
  | 'duplicate'
  | 'unauthorized'
  | 'too-large'
  | 'bad-request'
  | 'unavailable';

/** `gitops_webhook_deliveries_total{provider,result}` on the agent's registry. */
export function deliveryCounter(registry: Registry): Counter<'provider' | 'result'> {
  const existing = registry.getSingleMetric('gitops_webhook_deliveries_total');
  if (existing) return existing as Counter<'provider' | 'result'>;
  return new Counter({
    name: 'gitops_webhook_deliveries_total',
    help: 'Webhook deliveries received, by provider and what came of them.',
    labelNames: ['provider', 'result'],
    registers: [registry],
  });
}
