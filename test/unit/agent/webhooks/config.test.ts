import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig } from '../../../../src/agent/config.ts';

const targets = 'targets:\n  - name: web\n    repo: https://example.com/deploy.git\n';

describe('agent.webhooks', () => {
  it('defaults every receiver key and turns the file into settings', () => {
    const c = parseAgentConfig(
      `agent:\n  webhooks:\n    maxBodyBytes: 65536\n    receivers:\n      - { provider: gitea, secretFile: /s }\n` +
        `      - { provider: generic, path: /in, secretFile: /g, signatureHeader: X-Sig, targets: [web] }\n${targets}`,
    );
    expect(c.agent.webhooks).toEqual({
      maxBodyBytes: 65536,
      rememberDeliveries: 10_000,
      receivers: [
        {
          provider: 'gitea',
          path: '/hooks/gitea',
          secretFile: '/s',
          username: undefined,
          signatureHeader: 'x-signature-256',
          targets: undefined,
        },
        {
          provider: 'generic',
          path: '/in',
          secretFile: '/g',
          username: undefined,
          signatureHeader: 'x-sig',
          targets: ['web'],
        },
      ],
    });
  });

  it.each([
    ['an unknown provider', '[{ provider: svn, secretFile: /s }]', /receivers\.0\.provider/],
    ['no secret file', '[{ provider: github }]', /receivers\.0\.secretFile/],
    [
      'azure without a user name',
      '[{ provider: azure-devops, secretFile: /s }]',
      /azure-devops needs username/,
    ],
    [
      'the same path twice',
      '[{ provider: github, secretFile: /a }, { provider: github, secretFile: /b }]',
      /receivers\.1\.path: duplicate path "\/hooks\/github"/,
    ],
    [
      'a path without a slash',
      '[{ provider: github, path: hooks, secretFile: /a }]',
      /receivers\.0\.path: must be a URL path/,
    ],
    ['an unknown key', '[{ provider: github, secretFile: /a, secret: x }]', /unknown key "secret"/],
  ])('refuses %s, naming the key', (_what, receivers, message) => {
    const text = `agent:\n  webhooks:\n    receivers: ${receivers}\n${targets}`;
    expect(() => parseAgentConfig(text)).toThrow(ConfigError);
    expect(() => parseAgentConfig(text)).toThrow(message);
  });
});
