import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../../../src/render/kustomize.ts';
import { runInSandbox } from '../../../src/render/run-sandbox.ts';
import { DEFAULT_TOOL_LIMITS } from '../../../src/render/tools.ts';
import { RenderToolError } from '../../../src/render/tool-errors.ts';
import { useRenderTools } from '../../support/render-tools.ts';

useRenderTools();
const K = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: { a: "1" }\n';
const PATCH = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: { a: "fetched" }\n';

// Go never proxies loopback addresses, so the server listens on a non-loopback one, as a metadata service is.
const address = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
const requests: string[] = [];
let server: Server | undefined;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end(PATCH);
  });
  await new Promise<void>((resolve) => server!.listen(0, address, resolve));
});
afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

describe('the render sandbox network', () => {
  it('gives kustomize no network: a builtin plugin path that is a URL reaches no host', async () => {
    expect(address, 'a non-loopback IPv4 address to serve on').toBeDefined();
    const { port } = server!.address() as { port: number };
    const url = `http://${address}:${port}/latest/meta-data`;
    const files = {
      'app/kustomization.yaml': `${K}resources: [cm.yaml]\ntransformers: [patch.yaml]\n`,
      'app/cm.yaml': CM,
      'app/patch.yaml': `apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: ${url}\n`,
    };
    // runInSandbox, not kustomizeBuild: the check refuses this URL before kustomize runs; this is what the
    // network block alone does with what a check might miss.
    const build = runInSandbox(
      Object.entries(files).map(([path, text]) => ({ path, content: Buffer.from(text) })),
      {
        tool: 'kustomize',
        what: 'kustomize build',
        file: 'app/kustomization.yaml',
        args: (box) => ['build', `${box.repo}/app`],
      },
      { limits: DEFAULT_TOOL_LIMITS },
    );
    const failed = await build.then(
      (out) => `built: ${out.stdout.toString()}`,
      (err: Error) => err.message,
    );
    console.log('kustomize with a URL patch path:', failed.split('\n')[0], '| requests:', requests.length);
    expect(requests).toEqual([]);
    expect(failed).toMatch(/^app\/kustomization.yaml: kustomize build failed/);
  });

  it('makes a failed build with a remote base retryable, so a host that is down is not cached as bad', async () => {
    const files = {
      'app/kustomization.yaml': `${K}resources: ["http://127.0.0.1:9/o/r//app?ref=main&submodules=false"]\n`,
    };
    const err = await kustomizeBuild(
      Object.entries(files).map(([path, text]) => ({ path, content: Buffer.from(text) })),
      'app',
      {
        limits: DEFAULT_TOOL_LIMITS,
        spec: { allowRemote: true, allowedHosts: ['127.0.0.1'] },
        allowHttp: true,
      },
    ).then(
      () => undefined,
      (e: RenderToolError) => e,
    );
    console.log('remote base on a closed port:', err?.code, 'retryable', err?.retryable);
    expect(err).toBeInstanceOf(RenderToolError);
    expect(err).toMatchObject({ code: 'RENDER_TOOL_FAILED', retryable: true });
  });
});
