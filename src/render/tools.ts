import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolLimits } from '../core/render-spec.ts';
import { runTool } from './run-tool.ts';

/** Defaults of ToolLimits; the memory cap is the agent-wide one of renderMemoryDefault. */
export const DEFAULT_TOOL_LIMITS: Readonly<Required<ToolLimits>> = {
  timeoutMs: 60_000,
  maxOutputBytes: 64 << 20,
  maxMemoryBytes: renderMemoryDefault(),
};

/** The default memory cap of a render: `$GITOPS_AGENT_RENDER_MEMORY` bytes (the chart sets it to fit its memory limit), else 1 GiB. */
export function renderMemoryDefault(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.GITOPS_AGENT_RENDER_MEMORY;
  if (text === undefined || text === '') return 1024 ** 3;
  const bytes = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(bytes) || bytes < 1)
    throw new RangeError(
      `GITOPS_AGENT_RENDER_MEMORY must be a positive whole number of bytes, got "${text}"`,
    );
  return bytes;
}

/** The binary of a tool: `$GITOPS_AGENT_KUSTOMIZE` / `$GITOPS_AGENT_HELM`, else the name, looked up on PATH. */
export function toolBinary(tool: 'kustomize' | 'helm', env: NodeJS.ProcessEnv = process.env): string {
  return (tool === 'kustomize' ? env.GITOPS_AGENT_KUSTOMIZE : env.GITOPS_AGENT_HELM) || tool;
}

/** Where a tool's HTTP goes: a closed port (discard), so a URL in a commit reaches nothing. */
export const NO_NETWORK_PROXY = 'http://127.0.0.1:9';

/**
 * The environment a tool runs with: PATH and nothing else of the agent's (no tokens, no KUBECONFIG), with
 * HOME, the XDG and Helm directories inside the sandbox so it reads no user config, repositories or plugins,
 * and every proxy variable pointing at NO_NETWORK_PROXY so that neither the tool's own HTTP (kustomize GETs
 * any `http(s)://` file path, cloud metadata included) nor curl's reaches a host; `noProxy` (host[:port]
 * list, default none) lets only those through.
 */
export async function toolEnv(
  sandboxDir: string,
  noProxy: readonly string[] = [],
): Promise<Record<string, string>> {
  const home = join(sandboxDir, 'home');
  await mkdir(home, { mode: 0o700 });
  const helm = join(home, 'helm');
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(helm, 'config'),
    HELM_CACHE_HOME: join(helm, 'cache'),
    HELM_DATA_HOME: join(helm, 'data'),
    HELM_PLUGINS: join(helm, 'plugins'),
    HELM_REGISTRY_CONFIG: join(helm, 'registry.json'),
    HELM_REPOSITORY_CONFIG: join(helm, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(helm, 'repository'),
    KUBECONFIG: join(home, 'no-kubeconfig'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...proxyEnv(noProxy),
  };
}

/** The tool's version as it reports it (`v5.8.1`), or `unknown` when it does not say. */
export async function toolVersion(
  binary: string,
  tool: 'kustomize' | 'helm',
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  const args = tool === 'kustomize' ? ['version'] : ['version', '--short'];
  const out = await runTool({
    binary,
    args,
    cwd,
    env,
    timeoutMs: 10_000,
    maxOutputBytes: 4096,
    maxMemoryBytes: 256 << 20,
  });
  if (!out.ok) return 'unknown';
  return /v?\d+\.\d+\.\d+[^\s+]*/.exec(out.stdout.toString('utf8'))?.[0] ?? 'unknown';
}

// Go reads the upper-case names, curl (git) mostly the lower-case ones: both are set.
function proxyEnv(noProxy: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = NO_NETWORK_PROXY;
    env[name.toLowerCase()] = NO_NETWORK_PROXY;
  }
  env.NO_PROXY = env.no_proxy = noProxy.join(',');
  return env;
}
