// A real, throw-away Kubernetes control plane for integration tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok with one fake Node, so Deployments really roll out.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { request } from './http.ts';
import type { TlsFiles } from './http.ts';
import { generatePki, writeKubeconfig } from './pki.ts';
import { ProcessSet, freePorts, logTail } from './processes.ts';
import type { ManagedProcess } from './processes.ts';

/** A running control plane; stop() kills every process and deletes its files. */
export interface ControlPlane {
  /** Path of an admin (system:masters) kubeconfig. */
  kubeconfig: string;
  server: string;
  /** gitVersion reported by /version, e.g. v1.32.2. */
  version: string;
  dir: string;
  pids: number[];
  stop(): Promise<void>;
}

/** Options of startControlPlane: a progress logger and the run directory (default: a new one in os.tmpdir()). */
export interface StartOptions {
  log?: (line: string) => void;
  dir?: string;
}

/** Name of the fake kwok Node every pod is scheduled to. */
export const NODE_NAME = 'kwok-node-0';

/**
 * Image names that kwok's stages (kwok-stages.yaml) treat as a kubelet would: a pod whose image contains
 * `pullError` never pulls (ErrImagePull, then ImagePullBackOff, and back), one whose image contains
 * `crashLoop` runs a container waiting in CrashLoopBackOff. Every other pod becomes Ready, and Job pods
 * complete, as with kwok's defaults.
 */
export const KWOK_IMAGES = {
  pullError: 'registry.invalid/does-not-exist',
  crashLoop: 'registry.invalid/crash-loop',
} as const;

const secs = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function buildBinaries(log: (line: string) => void): Promise<string> {
  const script = path.join(import.meta.dirname, 'build.sh');
  // Serialises concurrent cold builds (two test runs at once), which would otherwise share one work directory.
  const lock = path.join(os.tmpdir(), 'gitops-agent-testenv-build.lock');
  const hasFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).error === undefined;
  const [cmd, args] = hasFlock ? ['flock', [lock, 'bash', script]] : ['bash', [script]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const stderr: string[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    log(`build: ${line}`);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const bin = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !fs.existsSync(path.join(bin, 'kube-apiserver'))) {
    throw new Error(`${script} failed (exit ${code}):\n${stderr.slice(-30).join('\n')}`);
  }
  return bin;
}

function etcdDataDir(runDir: string): string {
  try {
    // tmpfs keeps etcd's writes off the disk; the WAL preallocates 64 MB, so require real room.
    const shm = fs.statfsSync('/dev/shm');
    if (shm.bavail * shm.bsize > 1 << 30) return fs.mkdtempSync('/dev/shm/gitops-testenv-etcd-');
  } catch {
    // No usable /dev/shm.
  }
  const dir = path.join(runDir, 'etcd');
  // A reused run directory must not hand etcd the previous cluster's data.
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

function fakeNode(): object {
  const resources = { cpu: '64', memory: '512Gi', pods: '1000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    // kwok assigns pod IPs from this range; its default /24 would run out before 1000 pods.
    spec: { podCIDR: '10.244.0.0/20', podCIDRs: ['10.244.0.0/20'] },
    status: { allocatable: resources, capacity: resources },
  };
}

interface NodeView {
  spec?: { taints?: unknown[] };
  status?: { conditions?: { type: string; status: string }[] };
}

function nodeReady(node: NodeView): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  // The node-lifecycle controller removes the not-ready taint a little after Ready; pods wait for that.
  return ready && (node.spec?.taints ?? []).length === 0;
}

/** Builds (if needed) and starts the control plane, resolving once the fake Node is Ready. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[control-plane] ${line}\n`));
  const t0 = performance.now();
  const bin = await buildBinaries(log);
  const buildTime = secs(t0);
  log(`binaries ready in ${buildTime}s: ${bin}`);

  const t1 = performance.now();
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-testenv-'));
  fs.mkdirSync(dir, { recursive: true });
  const etcdDir = etcdDataDir(dir);
  const procs = new ProcessSet(dir, ownDir ? [etcdDir, dir] : [etcdDir]);
  procs.startWatchdog();
  const step = (what: string): void => log(`${what} (+${secs(t1)}s)`);

  async function waitFor(what: string, proc: ManagedProcess, timeoutMs: number, ok: () => Promise<boolean>) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      procs.assertRunning();
      let lastError = '';
      try {
        if (await ok()) return step(what);
      } catch (err) {
        lastError = ` (last error: ${(err as Error).message})`;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError}; ` +
            `last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
        );
      }
      await sleep(200);
    }
  }

  try {
    const [etcdPort, peerPort, apiPort, kcmPort, schedPort] = (await freePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const pki = await generatePki(dir);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = writeKubeconfig(dir, server, pki);
    const admin: TlsFiles = { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey };
    const api = (p: string, init?: { method?: string; body?: unknown }) =>
      request(`${server}${p}`, admin, init);
    step(`certificates and kubeconfig written to ${dir}`);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = procs.spawn('etcd', path.join(bin, 'etcd'), [
      '--name=testenv',
      `--data-dir=${etcdDir}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=testenv=${peerUrl}`,
      '--unsafe-no-fsync',
    ]);
    await waitFor('etcd healthy', etcd, 30_000, async () => {
      const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    const apiserver = procs.spawn('kube-apiserver', path.join(bin, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      '--profiling=false',
    ]);
    await waitFor(
      'kube-apiserver ready',
      apiserver,
      120_000,
      async () => (await api('/readyz')).status === 200,
    );

    const component = (name: string, port: number, extra: string[]): ManagedProcess =>
      procs.spawn(name, path.join(bin, name), [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        '--leader-elect=false',
        ...extra,
      ]);
    const kcm = component('kube-controller-manager', kcmPort, [
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      // kwok heartbeats less often than a kubelet; a long grace period keeps the fake Node from flapping
      // NotReady mid-test, which would mark every pod on it NotReady for good.
      '--node-monitor-grace-period=10m',
    ]);
    const scheduler = component('kube-scheduler', schedPort, []);
    const kwok = procs.spawn('kwok', path.join(bin, 'kwok'), [
      `--kubeconfig=${kubeconfig}`,
      '--manage-all-nodes=true',
      // Without a lease kwok reports the Node about once a minute, longer than the default grace period.
      '--node-lease-duration-seconds=40',
      `--config=${path.join(import.meta.dirname, 'kwok-stages.yaml')}`,
    ]);

    const created = await api('/api/v1/nodes', { method: 'POST', body: fakeNode() });
    if (created.status !== 201)
      throw new Error(`creating Node ${NODE_NAME}: HTTP ${created.status} ${created.text}`);
    const healthz = (port: number) => async () =>
      (await request(`https://127.0.0.1:${port}/healthz`, {})).status === 200;
    await waitFor('kube-controller-manager healthy', kcm, 60_000, healthz(kcmPort));
    await waitFor('kube-scheduler healthy', scheduler, 60_000, healthz(schedPort));
    await waitFor(`Node ${NODE_NAME} Ready`, kwok, 90_000, async () => {
      const res = await api(`/api/v1/nodes/${NODE_NAME}`);
      return res.status === 200 && nodeReady(res.json as NodeView);
    });
    await waitFor('ServiceAccount default/default', kcm, 60_000, async () => {
      return (await api('/api/v1/namespaces/default/serviceaccounts/default')).status === 200;
    });
    const version = ((await api('/version')).json as { gitVersion: string }).gitVersion;
    log(`control plane ${version} at ${server} ready: build ${buildTime}s, start ${secs(t1)}s`);

    let stopping: Promise<void> | undefined;
    return {
      kubeconfig,
      server,
      version,
      dir,
      pids: procs.processes.map((p) => p.pid),
      stop: () => (stopping ??= procs.stop()),
    };
  } catch (err) {
    await procs.stop({ keep: [dir] });
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`control plane failed to start (logs kept in ${dir}): ${message}`, { cause: err });
  }
}
