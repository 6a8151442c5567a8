// The `host` key of a target: defaults, and every bad value named by target and key.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseAgentConfig } from '../../../src/agent/config.ts';

const config = (host: unknown) =>
  stringify({ targets: [{ name: 'web', repo: 'https://github.com/acme/deploy.git', host }] });

describe('target host config', () => {
  it('takes a token file and fills in the defaults', () => {
    const [t] = parseAgentConfig(config({ token: { file: '/run/token' } })).targets;
    expect(t!.host).toEqual({
      token: { file: '/run/token' },
      previews: { enabled: false, comment: false, intervalMs: 60_000 },
    });
  });

  it('keeps every override', () => {
    const host = {
      provider: 'gitlab',
      apiUrl: 'https://gitlab.acme.example/api/v4',
      repository: '1234',
      token: { env: 'GITLAB_TOKEN' },
      context: 'deploy/prod',
      targetUrl: 'https://dash.example/web',
      previews: { enabled: true, comment: true, interval: '30s' },
    };
    const [t] = parseAgentConfig(config(host)).targets;
    expect(t!.host).toEqual({ ...host, previews: { enabled: true, comment: true, intervalMs: 30_000 } });
  });

  it('names the target and key of each problem', () => {
    const bad = () =>
      parseAgentConfig(config({ provider: 'svn', token: { file: 'a', env: 'b' }, extra: 1 }), 'agent.yaml');
    expect(bad).toThrow(/target "web" \(targets\[0\]\): host: unknown key "extra"/);
    expect(bad).toThrow(/host\.provider/);
    expect(bad).toThrow(/token must be \{ file: PATH \} or \{ env: NAME \}/);
  });
});
