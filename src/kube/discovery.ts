import type { KubeClient } from './client.ts';
import type { Scope } from '../core/types.ts';

/** How the API server serves one kind at one version. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  scope: Scope;
}

interface DiscoveryResource {
  resource: string;
  responseKind?: { kind?: string };
  scope?: Scope;
}
interface DiscoveryGroup {
  metadata?: { name?: string };
  versions?: { version: string; resources?: DiscoveryResource[] }[];
}

const MISS_REFRESH_MS = 2_000;
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/**
 * A cached map from kind to resource, read with aggregated discovery (two requests for the whole server),
 * refreshed when a kind is not found (for example a CRD applied in the same sync).
 */
export class Discovery {
  readonly #client: KubeClient;
  #byGvk = new Map<string, ResourceInfo>();
  #preferred = new Map<string, ResourceInfo>();
  #loaded: Promise<void> | undefined;
  #loadedAt = 0;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** The resource serving apiVersion+kind; refreshes once on a miss, then `undefined`. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    await this.#ensure();
    const key = `${apiVersion}/${kind}`;
    const hit = this.#byGvk.get(key);
    if (hit) return hit;
    await this.#refreshOnMiss();
    return this.#byGvk.get(key);
  }

  /** The preferred served version of a group and kind; refreshes once on a miss. */
  async preferred(group: string, kind: string): Promise<ResourceInfo | undefined> {
    await this.#ensure();
    const hit = this.#preferred.get(`${group}/${kind}`);
    if (hit) return hit;
    await this.#refreshOnMiss();
    return this.#preferred.get(`${group}/${kind}`);
  }

  /** Whether the cached discovery (no refresh) serves apiVersion+kind. */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    await this.#ensure();
    return this.#byGvk.has(`${apiVersion}/${kind}`);
  }

  /** Scope of a kind, the render stage's ScopeLookup. */
  scopeOf = async (apiVersion: string, kind: string): Promise<Scope | undefined> =>
    (await this.resolve(apiVersion, kind))?.scope;

  /** Every served `group/version` and `group/version/Kind` (core as `v1`, `v1/Pod`), sorted, for Helm. */
  async apiVersions(): Promise<string[]> {
    await this.#ensure();
    const out = new Set<string>();
    for (const key of this.#byGvk.keys()) {
      out.add(key);
      out.add(key.slice(0, key.lastIndexOf('/')));
    }
    return [...out].sort();
  }

  /** The API server's gitVersion (`v1.32.2`), from GET /version. */
  async serverVersion(): Promise<string> {
    const res = await this.#client.request({ method: 'GET', path: '/version', verb: 'DISCOVERY' });
    const version = (res.body as { gitVersion?: unknown } | undefined)?.gitVersion;
    if (typeof version !== 'string') throw new Error('the API server did not report its version');
    return version;
  }

  /** Re-reads discovery from the server. */
  async refresh(): Promise<void> {
    this.#loaded = this.#load();
    await this.#loaded;
  }

  // A commit with many objects of an unknown kind must not trigger a refresh per object.
  async #refreshOnMiss(): Promise<void> {
    if (Date.now() - this.#loadedAt < MISS_REFRESH_MS) return this.#loaded;
    await this.refresh();
  }

  async #ensure(): Promise<void> {
    this.#loaded ??= this.#load();
    await this.#loaded;
  }

  async #load(): Promise<void> {
    const [core, apis] = await Promise.all(
      ['/api', '/apis'].map((path) =>
        this.#client.request({ method: 'GET', path, accept: AGGREGATED, verb: 'DISCOVERY' }),
      ),
    );
    const byGvk = new Map<string, ResourceInfo>();
    const preferred = new Map<string, ResourceInfo>();
    for (const res of [core, apis]) {
      const list = res?.body as { kind?: string; items?: DiscoveryGroup[] };
      if (list.kind !== 'APIGroupDiscoveryList') {
        throw new Error(
          `the API server does not serve aggregated discovery (got ${list.kind}); Kubernetes 1.30+ is required`,
        );
      }
      for (const g of list.items ?? []) {
        const group = g.metadata?.name ?? '';
        // Versions come in preference order, so the first one seen for a kind is the preferred one.
        for (const v of g.versions ?? []) {
          for (const r of v.resources ?? []) {
            const kind = r.responseKind?.kind;
            if (!kind || r.resource.includes('/')) continue;
            const info: ResourceInfo = {
              group,
              version: v.version,
              kind,
              resource: r.resource,
              scope: r.scope ?? 'Namespaced',
            };
            const apiVersion = group ? `${group}/${v.version}` : v.version;
            byGvk.set(`${apiVersion}/${kind}`, info);
            if (!preferred.has(`${group}/${kind}`)) preferred.set(`${group}/${kind}`, info);
          }
        }
      }
    }
    this.#byGvk = byGvk;
    this.#preferred = preferred;
    this.#loadedAt = Date.now();
  }
}

/** The URL path of a resource collection, or of one object when `name` is given. */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.scope === 'Namespaced' && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
