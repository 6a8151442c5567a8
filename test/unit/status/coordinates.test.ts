// Repository URL → API coordinates for each host, and the config's overrides.
import { describe, expect, it } from 'vitest';
import { CoordinatesError, coordinatesOf } from '../../../src/status/coordinates.ts';

describe('coordinatesOf', () => {
  it.each([
    ['https://github.com/acme/deploy.git', 'github', 'https://api.github.com', 'acme/deploy'],
    ['git@github.com:acme/deploy.git', 'github', 'https://api.github.com', 'acme/deploy'],
    [
      'https://github.acme.example/acme/deploy',
      'github',
      'https://github.acme.example/api/v3',
      'acme/deploy',
    ],
    [
      'https://gitlab.com/platform/team/sub/deploy.git',
      'gitlab',
      'https://gitlab.com/api/v4',
      'platform/team/sub/deploy',
    ],
    [
      'ssh://git@gitlab.acme.example:2222/grp/proj.git',
      'gitlab',
      'https://gitlab.acme.example/api/v4',
      'grp/proj',
    ],
    ['https://codeberg.org/acme/deploy.git', 'gitea', 'https://codeberg.org/api/v1', 'acme/deploy'],
    [
      'https://gitea.acme.example/git/acme/deploy.git',
      'gitea',
      'https://gitea.acme.example/git/api/v1',
      'acme/deploy',
    ],
    [
      'https://bitbucket.org/acme/deploy.git',
      'bitbucket-cloud',
      'https://api.bitbucket.org/2.0',
      'acme/deploy',
    ],
    [
      'https://bitbucket.acme.example/ctx/scm/ACME/deploy.git',
      'bitbucket-server',
      'https://bitbucket.acme.example/ctx',
      'ACME/deploy',
    ],
    [
      'https://dev.azure.com/acme/platform/_git/deploy',
      'azure-devops',
      'https://dev.azure.com',
      'acme/platform/deploy',
    ],
    [
      'https://acme.visualstudio.com/platform/_git/deploy',
      'azure-devops',
      'https://dev.azure.com',
      'acme/platform/deploy',
    ],
  ])('%s → %s %s %s', (url, provider, apiUrl, repository) => {
    expect(coordinatesOf(url)).toEqual({ provider, apiUrl, repository });
  });

  it('takes every key the config sets over what the URL implies', () => {
    expect(
      coordinatesOf('https://git.internal/x/y.git', {
        provider: 'gitlab',
        apiUrl: 'https://gl/api/v4/',
        repository: '1234',
      }),
    ).toEqual({ provider: 'gitlab', apiUrl: 'https://gl/api/v4', repository: '1234' });
  });

  it('refuses a host it cannot name, and a repository of the wrong shape, saying which key to set', () => {
    expect(() => coordinatesOf('https://git.internal/x/y.git')).toThrow(/set host\.provider/);
    expect(() => coordinatesOf('https://github.com/acme')).toThrow(CoordinatesError);
    expect(() => coordinatesOf('https://github.com/acme')).toThrow(/set host\.repository/);
  });

  it('never repeats credentials of a URL it cannot parse', () => {
    expect(() => coordinatesOf('https://user:s3cret@')).toThrow(/^(?!.*s3cret)/);
  });
});
