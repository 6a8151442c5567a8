import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig } from '../../../src/agent/config.ts';

const minimal = 'targets:\n  - name: web\n    repo: https://example.com/deploy.git\n';

describe('parseAgentConfig', () => {
  it('fills every default', () => {
    const c = parseAgentConfig(minimal);
    expect(c.agent).toEqual({
      cluster: 'default',
      concurrency: 4,
      listen: { host: '0.0.0.0', port: 9090 },
      cacheDir: undefined,
      jitter: 0.1,
      retry: { initialMs: 10_000, maxMs: 300_000 },
      requestPollMs: 3_000,
      replicas: {
        mode: 'single',
        namespace: undefined,
        timing: { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      },
      webhooks: { maxBodyBytes: 5 * 1024 * 1024, rememberDeliveries: 10_000, receivers: [] },
    });
    expect(c.targets[0]).toEqual({
      target: {
        name: 'web',
        url: 'https://example.com/deploy.git',
        ref: 'main',
        path: '.',
        namespace: 'default',
        inventoryNamespace: 'default',
        force: true,
        healthTimeoutSeconds: 120,
        healthFailureGraceSeconds: 120,
        adopt: false,
        prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
      },
      auth: {},
      intervalMs: 60_000,
      suspend: false,
      windows: [],
    });
  });

  it('reads every key', () => {
    const c = parseAgentConfig(`
agent:
  cluster: prod
  concurrency: 2
  listen: 127.0.0.1:0
  cacheDir: /cache
  jitter: 0.2
  retry: { initial: 5s, max: 2m }
  requestPoll: 500ms
targets:
  - name: web
    repo: https://example.com/deploy.git
    ref: v1
    path: apps/web
    namespace: web
    inventoryNamespace: gitops
    force: false
    healthTimeoutSeconds: 0
    prune: { enabled: false, allowEmpty: true, maxShare: 0.3, allowMass: true }
    auth: { tokenFile: /t, username: oauth2 }
    interval: 1h30m
    suspend: true
    syncWindows:
      - { kind: allow, schedule: "0 9 * * 1-5", duration: 8h, timeZone: Europe/Berlin }
`);
    expect(c.agent).toMatchObject({
      cluster: 'prod',
      concurrency: 2,
      listen: { host: '127.0.0.1', port: 0 },
    });
    expect(c.agent.retry).toEqual({ initialMs: 5000, maxMs: 120_000 });
    expect(c.agent.requestPollMs).toBe(500);
    const t = c.targets[0]!;
    expect(t.intervalMs).toBe(5_400_000);
    expect(t.target).toMatchObject({
      ref: 'v1',
      path: 'apps/web',
      inventoryNamespace: 'gitops',
      force: false,
    });
    expect(t.target.prune).toEqual({ enabled: false, allowEmpty: true, maxShare: 0.3, allowMass: true });
    expect(t.windows).toEqual([
      { kind: 'allow', schedule: '0 9 * * 1-5', durationMs: 28_800_000, timeZone: 'Europe/Berlin' },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    [
      'an unknown target key',
      `${minimal}    intervall: 1m\n`,
      /target "web" \(targets\[0\]\): unknown key "intervall"/,
    ],
    ['an unknown agent key', `agent:\n  threads: 2\n${minimal}`, /agent: unknown key "threads"/],
    ['an unknown top-level key', `${minimal}extra: 1\n`, /unknown key "extra"/],
    [
      'a bad interval',
      `${minimal}    interval: soon\n`,
      /target "web" \(targets\[0\]\): interval: interval must be a duration/,
    ],
    ['a missing repo', 'targets:\n  - name: web\n', /target "web" \(targets\[0\]\): repo: /],
    [
      'a bad name',
      'targets:\n  - name: Web_1\n    repo: r\n',
      /target "Web_1" \(targets\[0\]\): name: must be a lowercase DNS subdomain/,
    ],
    [
      'duplicate names',
      `${minimal}  - name: web\n    repo: r\n`,
      /target "web" \(targets\[1\]\): name: duplicate target name "web"/,
    ],
    ['no targets', 'targets: []\n', /targets: /],
    [
      'a bad cron schedule',
      `${minimal}    syncWindows: [{ kind: allow, schedule: "61 * * * *", duration: 1h }]\n`,
      /syncWindows\.0\.schedule: invalid cron schedule/,
    ],
    [
      'a bad time zone',
      `${minimal}    syncWindows: [{ kind: deny, schedule: "* * * * *", duration: 1h, timeZone: Mars/Base }]\n`,
      /syncWindows\.0\.schedule: invalid cron schedule: Invalid timezone/,
    ],
    [
      'a bad window kind',
      `${minimal}    syncWindows: [{ kind: maybe, schedule: "* * * * *", duration: 1h }]\n`,
      /syncWindows\.0\.kind/,
    ],
    [
      'both token sources',
      `${minimal}    auth: { tokenFile: /t, tokenEnv: T }\n`,
      /auth: set either tokenFile or tokenEnv, not both/,
    ],
    ['a prune share above 1', `${minimal}    prune: { maxShare: 2 }\n`, /prune\.maxShare/],
    [
      'a listen address without port',
      `agent:\n  listen: localhost\n${minimal}`,
      /agent\.listen: listen must be host:port/,
    ],
    ['zero concurrency', `agent:\n  concurrency: 0\n${minimal}`, /agent\.concurrency/],
    ['YAML that does not parse', 'targets: [\n', /YAML: /],
    ['a YAML alias', `x: &a 1\ny: *a\n${minimal}`, /YAML: /],
  ];
  it.each(bad)('rejects %s, naming target and key', (_what, text, message) => {
    expect(() => parseAgentConfig(text, 'agent.yaml')).toThrow(ConfigError);
    expect(() => parseAgentConfig(text, 'agent.yaml')).toThrow(message);
  });

  it('lists every problem at once', () => {
    try {
      parseAgentConfig(`${minimal}    interval: x\n    suspend: maybe\n`, 'agent.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
      expect((err as Error).message).toMatch(/^agent\.yaml: invalid agent config:/);
    }
  });
});

describe('replicas', () => {
  it.each([
    ['replicas: { mode: shards, leaseDuration: 6s, renewDeadline: 4s, retryPeriod: 1s }', undefined],
    ['replicas: { mode: all }', /replicas\.mode/],
    ['replicas: { renewDeadline: 20s }', /retryPeriod < renewDeadline < leaseDuration/],
    ['replicas: { leases: 3 }', /unknown key "leases"/],
  ])('%s', (line, error) => {
    const text = `agent:\n  ${line}\ntargets:\n  - { name: web, repo: https://example.com/deploy.git }\n`;
    if (!error) {
      expect(parseAgentConfig(text).agent.replicas).toEqual({
        mode: 'shards',
        namespace: undefined,
        timing: { leaseDurationSeconds: 6, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 },
      });
    } else expect(() => parseAgentConfig(text)).toThrow(error);
  });
});
