// A HostReporter for one target, `web`, whose statuses go to the GitHub contract server with the token read
// from an environment variable: the setup the reporter unit tests share.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { HostReporter, type HostReporterDeps } from '../../../../src/agent/host/reporter.ts';
import { parseAgentConfig, type TargetConfig } from '../../../../src/agent/config.ts';
import { Redactor } from '../../../../src/agent/redact.ts';
import type { GitHubFake } from '../../../support/hosts/github.ts';

/** The reporter for target `web` of acme/deploy on `server`, the token read from `$tokenEnv` at each post. */
export function githubReporter(
  server: GitHubFake,
  tokenEnv: string,
  extra: Partial<HostReporterDeps> = {},
): HostReporter {
  const [cfg] = parseAgentConfig(
    stringify({
      targets: [
        {
          name: 'web',
          repo: 'https://github.com/acme/deploy.git',
          host: {
            provider: 'github',
            apiUrl: server.url,
            repository: 'acme/deploy',
            token: { env: tokenEnv },
          },
        },
      ],
    }),
  ).targets as [TargetConfig];
  return new HostReporter({
    cluster: 'c',
    log: pino({ level: 'silent' }),
    redactor: new Redactor(),
    registry: new Registry(),
    targetConfig: () => cfg,
    ...extra,
  });
}
