// Helpers for integration tests against the control plane that test/integration/global-setup.ts starts:
// its kubeconfig, the machine's kubectl, raw API requests and polling with a deadline.
import { spawn } from 'node:child_process';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubeVersion: string;
  }
}

/** Path of the admin kubeconfig of the test control plane. */
export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

/** gitVersion of the test control plane's kube-apiserver, e.g. v1.32.2. */
export function kubeVersion(): string {
  return inject('kubeVersion');
}

/** Options of kubectl(): text for stdin and a timeout (default 60 s). */
export interface KubectlOptions {
  input?: string;
  timeoutMs?: number;
}

/** Runs `kubectl --kubeconfig=<test cluster> ...args` and returns stdout; throws with stderr on failure. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<string> {
  const argv = [`--kubeconfig=${kubeconfigPath()}`, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`kubectl ${args.join(' ')} ${why}: ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** An API response: the status, the raw body and the body parsed as JSON (undefined if it is not JSON). */
export interface ApiResponse {
  status: number;
  body: string;
  json: unknown;
}

/** Options of apiRequest(): a body (serialised as JSON unless a string) and its content type. */
export interface ApiRequestOptions {
  body?: unknown;
  contentType?: string;
}

let kubeConfig: KubeConfig | undefined;

/** Sends one raw HTTPS request to the test API server with the admin credentials; HTTP errors resolve. */
export async function apiRequest(
  method: string,
  path: string,
  opts: ApiRequestOptions = {},
): Promise<ApiResponse> {
  if (!kubeConfig) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath());
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error(`no current cluster in ${kubeconfigPath()}`);
  const body =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const options: https.RequestOptions = { method, headers };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server), options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Options of eventually(): overall deadline (default 60 s) and pause between attempts (default 250 ms). */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls check until it returns a value other than undefined/false and returns that value; after the deadline
 * throws with the last result or error, so a failing wait says what it last saw.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    let last: string;
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
      last = `last result: ${String(result)}`;
    } catch (err) {
      last = `last error: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what} (${last})`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
