// A TCP pass-through to the test API server that can be frozen the way SIGSTOP freezes kube-apiserver:
// connections stay open and new ones are accepted (by the kernel's backlog, for a stopped process), but no
// byte comes back. A proxy freezes only this test's client, not the control plane every other test shares.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubeconfigPath } from './cluster.ts';

/** A running proxy: a kubeconfig that points at it, `freeze()` and `close()`. */
export interface FrozenProxy {
  kubeconfig: string;
  /** From now on nothing is forwarded either way and new connections are held open, unanswered. */
  freeze(): void;
  close(): Promise<void>;
}

/** Starts a proxy in front of the test control plane's API server. */
export async function frozenProxy(): Promise<FrozenProxy> {
  const config = parse(await readFile(kubeconfigPath(), 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  const upstream = new URL(config.clusters[0]!.cluster.server);
  const sockets = new Set<Socket>();
  let frozen = false;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return void client.pause();
    const up = connect(Number(upstream.port), upstream.hostname);
    track(up);
    client.pipe(up).pipe(client);
    // Closing one side closes the other, unless frozen: then a client's reset never reaches the server.
    client.on('close', () => frozen || up.destroy());
    up.on('close', () => frozen || client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'gitops-frozen-'));
  for (const c of config.clusters)
    c.cluster.server = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, stringify(config));
  return {
    kubeconfig,
    freeze() {
      frozen = true;
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    async close() {
      server.close();
      for (const s of sockets) s.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
