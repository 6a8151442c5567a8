import { Kube } from '../../kube/objects.ts';
import { ID_LABEL } from '../../core/applyset.ts';
import type { ObjectMeta } from '../../core/types.ts';
import { loadAgentConfig } from '../../agent/config.ts';
import { statusFromParent } from '../../agent/parent.ts';
import { requestSync } from '../../agent/requests.ts';

/** Options of `gitops-agent reconcile`. */
export interface ReconcileRequestOptions {
  target: string;
  kubeconfig?: string;
  /** The target's inventory namespace; else taken from `config`, else searched in every namespace. */
  namespace?: string;
  config?: string;
  /** Wait until the agent has synced after the request, up to this many milliseconds. Default: do not wait. */
  waitMs?: number;
}

/**
 * `gitops-agent reconcile TARGET`: sets `gitops-agent.io/requested-at` on the target's inventory parent, as
 * `flux reconcile` sets `reconcile.fluxcd.io/requestedAt`; the running agent notices it within seconds.
 */
export async function requestReconcile(opts: ReconcileRequestOptions): Promise<number> {
  const kube = Kube.load(opts.kubeconfig);
  try {
    const parent = await findParent(kube, opts);
    const value = await requestSync(
      kube,
      { namespace: parent.namespace ?? '', name: parent.name },
      'gitops-agent-reconcile',
    );
    process.stdout.write(
      `► requested a sync of ${opts.target} (ConfigMap ${parent.namespace}/${parent.name}) at ${value}\n`,
    );
    if (opts.waitMs === undefined) return 0;
    const deadline = Date.now() + opts.waitMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const obj = await kube.get('v1', 'ConfigMap', parent.namespace ?? '', parent.name);
      const status = obj && statusFromParent(obj.metadata);
      if (status?.lastHandledRequest === value) {
        process.stdout.write(`${status.ready === 'True' ? '✔' : '✗'} ${status.outcome}: ${status.message}\n`);
        return status.ready === 'True' ? 0 : 1;
      }
    }
    process.stderr.write(
      `gitops-agent: no sync of ${opts.target} reported within ${opts.waitMs / 1000}s; is the agent running?\n`,
    );
    return 1;
  } finally {
    kube.close();
  }
}

async function findParent(kube: Kube, opts: ReconcileRequestOptions): Promise<ObjectMeta> {
  const name = `gitops-agent.${opts.target}`;
  let namespace = opts.namespace;
  if (!namespace && opts.config) {
    const config = await loadAgentConfig(opts.config);
    const t = config.targets.find((x) => x.target.name === opts.target);
    if (!t) throw new Error(`${opts.config} has no target "${opts.target}"`);
    namespace = t.target.inventoryNamespace;
  }
  const res = await kube.client.request({
    method: 'GET',
    verb: 'LIST',
    path: namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps` : '/api/v1/configmaps',
    query: { labelSelector: ID_LABEL, fieldSelector: `metadata.name=${name}` },
    accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  });
  const found = ((res.body as { items?: { metadata: ObjectMeta }[] }).items ?? []).map((i) => i.metadata);
  if (found.length === 0)
    throw new Error(
      `no inventory parent ConfigMap ${name}${namespace ? ` in namespace ${namespace}` : ''}: has the agent started this target?`,
    );
  if (found.length > 1)
    throw new Error(
      `${name} exists in namespaces ${found.map((m) => m.namespace).join(', ')}; pass --namespace`,
    );
  return found[0]!;
}
