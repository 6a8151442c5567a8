import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAuthEnv } from '../../../src/render/git-env.ts';
import { NO_NETWORK_PROXY, toolEnv } from '../../../src/render/tools.ts';

const PROXIES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];
// git-config(1)'s GIT_CONFIG_* pairs as a map, in order.
const gitConfig = (env: Record<string, string>) =>
  Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [
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
