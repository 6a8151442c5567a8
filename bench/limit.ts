// The "limit" row: the least a client can do to create the workload, i.e. one SSA PATCH per object over a
// raw keep-alive HTTPS pool at the agent's concurrency, so its time is the API server's own ceiling here.
// Run as a child: `node bench/limit.ts <input.json>`; prints one JSON line.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../src/core/types.ts';

/** What the driver writes to the input file. */
export interface LimitInput {
  kubeconfig: string;
  concurrency: number;
  /** Objects applied phase by phase; CRDs sent in a phase are waited for (Established) before the next. */
  phases: KubeObject[][];
}

/** What the child prints. */
export interface LimitOutput {
  ms: number;
  requests: number;
  failures: number;
  firstError?: string;
  phaseMs: number[];
  maxRssMiB: number;
  cpuSeconds: number;
}

const CLUSTER_KINDS = new Set(['Namespace', 'CustomResourceDefinition']);

function pathOf(o: KubeObject): string {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const plural = `${o.kind.toLowerCase()}s`;
  const ns = CLUSTER_KINDS.has(o.kind) ? '' : `/namespaces/${o.metadata.namespace ?? 'default'}`;
  return `${base}${ns}/${plural}/${o.metadata.name}`;
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LimitInput;
  const kc = new KubeConfig();
  kc.loadFromFile(input.kubeconfig);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: input.concurrency,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
  });
  let requests = 0;
  let failures = 0;
  let firstError: string | undefined;

  const send = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      requests++;
      const headers: Record<string, string | number> = { ...(opts.headers as Record<string, string>) };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/apply-patch+yaml';
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      const req = https.request(
        { host: server.hostname, port: server.port, path, method, agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const apply = async (o: KubeObject): Promise<void> => {
    const res = await send('PATCH', `${pathOf(o)}?fieldManager=bench-limit&force=true`, JSON.stringify(o));
    if (res.status >= 300) {
      failures++;
      firstError ??= `${res.status} ${pathOf(o)}: ${res.text.slice(0, 300)}`;
    }
  };

  // Keeps `concurrency` requests in flight, as the agent's client does.
  const pool = async (objects: KubeObject[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < objects.length) {
        const o = objects[next++];
        if (o) await apply(o);
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, worker));
  };

  const established = async (o: KubeObject): Promise<void> => {
    for (;;) {
      const res = await send('GET', pathOf(o));
      const status = JSON.parse(res.text) as { status?: { conditions?: { type: string; status: string }[] } };
      if (status.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const start = performance.now();
  const phaseMs: number[] = [];
  for (const phase of input.phases) {
    const t = performance.now();
    await pool(phase);
    await Promise.all(phase.filter((o) => o.kind === 'CustomResourceDefinition').map(established));
    phaseMs.push(performance.now() - t);
  }
  const ms = performance.now() - start;
  agent.destroy();
  const usage = process.resourceUsage();
  const output: LimitOutput = {
    ms,
    requests,
    failures,
    firstError,
    phaseMs,
    maxRssMiB: usage.maxRSS / 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  };
  process.stdout.write(JSON.stringify(output) + '\n');
}

await main();
