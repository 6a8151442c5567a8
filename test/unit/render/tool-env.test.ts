import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAuthEnv } from '../../../src/render/git-env.ts';
import { runTool } from '../../../src/render/run-tool.ts';
import { DEFAULT_TOOL_LIMITS, NO_NETWORK_PROXY, toolEnv } from '../../../src/render/tools.ts';

const PROXIES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];
// git-config(1)'s GIT_CONFIG_* pairs as a map, in order.
const gitConfig = (env: Record<string, string>) =>
  Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i): [string, string] => [
    env[`GIT_CONFIG_KEY_${i}`]!,
    env[`GIT_CONFIG_VALUE_${i}`]!,
  ]);

let dir: string | undefined;
afterEach(async () => dir && rm(dir, { recursive: true, force: true }));

describe('toolEnv', () => {
  it('sends every proxy variable to the closed port, with no exception unless asked', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tool-env-'));
    const env = await toolEnv(dir);
    for (const name of PROXIES) expect(env[name], name).toBe(NO_NETWORK_PROXY);
    expect(NO_NETWORK_PROXY).toBe('http://127.0.0.1:9');
    expect([env.NO_PROXY, env.no_proxy]).toEqual(['', '']);
    const allowed = await toolEnv(await mkdtemp(join(dir, 'b-')), ['git.example.com:8443']);
    expect([allowed.NO_PROXY, allowed.no_proxy]).toEqual(['git.example.com:8443', 'git.example.com:8443']);
  });
});

describe('gitAuthEnv', () => {
  it('sends git through the closed port, but for the allowed origins, and follows no redirect', () => {
    const config = gitConfig(gitAuthEnv(['https://git.example.com'], undefined, false));
    expect(config).toEqual([
      ['protocol.allow', 'never'],
      ['protocol.https.allow', 'always'],
      ['http.proxy', NO_NETWORK_PROXY],
      ['http.followRedirects', 'false'],
      ['http.https://git.example.com/.proxy', ''],
    ]);
  });
});

describe('gitAuthEnv credentials', () => {
  const auth = { username: '', password: 'gitea-token-1' };
  const basic = `Authorization: Basic ${Buffer.from('git:gitea-token-1').toString('base64')}`;
  const origins = ['https://gitea.example.com', 'https://github.com'];

  it('sends the target’s token to the target repository’s origin only, never to another allowed host', () => {
    const env = gitAuthEnv(origins, auth, false, 'https://gitea.example.com');
    const headers = gitConfig(env).filter(([k]) => k.endsWith('.extraHeader'));
    expect(headers).toEqual([['http.https://gitea.example.com/.extraHeader', basic]]);
    const values = Object.entries(env).filter(([, v]) => v.includes('Basic') || v.includes('gitea-token'));
    expect(values.map(([k]) => k)).toEqual([`GIT_CONFIG_VALUE_${gitConfig(env).length - 1}`]);
  });

  it('sends no token when no remote base is on the target repository’s origin', () => {
    const env = gitAuthEnv(['https://github.com'], auth, false, 'https://gitea.example.com');
    expect(JSON.stringify(env)).not.toMatch(/Basic|gitea-token/);
    expect(JSON.stringify(gitAuthEnv(origins, auth, false, undefined))).not.toMatch(/Basic/);
  });
});

describe('the environment kustomize runs with', () => {
  it('holds nothing of the agent’s: no HOME config, no KUBECONFIG, no token but the repository origin’s header', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tool-env-'));
    const saved = { ...process.env };
    process.env.GITOPS_TOKEN = 'agent-token-9';
    process.env.KUBECONFIG = '/root/.kube/config';
    process.env.GITHUB_TOKEN = 'ghp-agent';
    try {
      const auth = { username: 'x-access-token', password: 'target-token-3' };
      const env = {
        ...(await toolEnv(dir, ['gitea.example.com'])),
        ...gitAuthEnv(
          ['https://gitea.example.com', 'https://github.com'],
          auth,
          false,
          'https://gitea.example.com',
        ),
      };
      // What the child really sees: runTool adds only GOMEMLIMIT.
      const out = await runTool({
        binary: process.execPath,
        args: ['-e', 'process.stdout.write(JSON.stringify(process.env))'],
        cwd: dir,
        env,
        ...DEFAULT_TOOL_LIMITS,
      });
      const seen = JSON.parse(out.ok ? out.stdout.toString() : '{}') as Record<string, string>;
      expect(Object.keys(seen).sort()).toEqual([...Object.keys(env), 'GOMEMLIMIT'].sort());
      const text = JSON.stringify(seen);
      for (const secret of ['agent-token-9', 'ghp-agent', '/root/.kube', saved.HOME ?? '/root/'])
        expect(text, secret).not.toContain(`"${secret}`);
      for (const name of ['HOME', 'XDG_CONFIG_HOME', 'HELM_CONFIG_HOME', 'KUBECONFIG', 'TMPDIR'])
        expect(seen[name]!.startsWith(`${dir}/`), name).toBe(true);
      expect(existsSync(seen.KUBECONFIG!)).toBe(false);
      expect([seen.GIT_CONFIG_NOSYSTEM, seen.GIT_CONFIG_GLOBAL]).toEqual(['1', '/dev/null']);
      const withToken = Object.entries(seen).filter(([, v]) =>
        v.includes(Buffer.from('x-access-token:target-token-3').toString('base64')),
      );
      expect(withToken).toHaveLength(1);
      const index = withToken[0]![0].replace('GIT_CONFIG_VALUE_', '');
      expect(seen[`GIT_CONFIG_KEY_${index}`]).toBe('http.https://gitea.example.com/.extraHeader');
      expect(text).not.toContain('target-token-3');
    } finally {
      process.env = saved;
    }
  });
});
