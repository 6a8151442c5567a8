// One reading of scp-like Git addresses, shared by the webhook URL matcher and the host coordinates.
import { describe, expect, it } from 'vitest';
import { repoKey } from '../../../src/agent/webhooks/repo-url.ts';
import { splitScpAddress } from '../../../src/core/refs.ts';
import { coordinatesOf } from '../../../src/status/coordinates.ts';

describe('splitScpAddress', () => {
  it('splits [user@]host:path and nothing with a scheme', () => {
    expect(splitScpAddress('git@github.com:acme/deploy.git')).toEqual({
      host: 'github.com',
      path: 'acme/deploy.git',
    });
    expect(splitScpAddress('gitlab.example:group/sub/project')).toEqual({
      host: 'gitlab.example',
      path: 'group/sub/project',
    });
    expect(splitScpAddress('ssh://git@github.com/acme/deploy.git')).toBeUndefined();
    expect(splitScpAddress('git+ssh://git@github.com/acme/deploy.git')).toBeUndefined();
    expect(splitScpAddress('https://github.com/acme/deploy')).toBeUndefined();
    expect(splitScpAddress('/srv/git/deploy.git')).toBeUndefined();
  });

  it('gives the matcher and the coordinates the same host and path', () => {
    const address = 'git@gitlab.example:platform/team/deploy.git';
    expect(repoKey(address)).toBe('gitlab.example/platform/team/deploy');
    expect(coordinatesOf(address)).toEqual({
      provider: 'gitlab',
      apiUrl: 'https://gitlab.example/api/v4',
      repository: 'platform/team/deploy',
    });
  });
});
