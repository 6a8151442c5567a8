import { describe, expect, it } from 'vitest';
import { followsRef, repoKey, sameRepo } from '../../../../src/agent/webhooks/repo-url.ts';

describe('repoKey', () => {
  it.each([
    ['https://github.com/acme/deploy.git', 'github.com/acme/deploy'],
    ['https://x-access-token:secret@GitHub.COM/acme/deploy', 'github.com/acme/deploy'],
    ['http://127.0.0.1:3000/gitops/app.git/', '127.0.0.1/gitops/app'],
    ['git@github.com:acme/deploy.git', 'github.com/acme/deploy'],
    ['ssh://git@bitbucket.example.com:7999/acme/deploy.git', 'bitbucket.example.com/acme/deploy'],
    ['ssh://git@ssh.github.com:443/acme/deploy.git', 'github.com/acme/deploy'],
    ['https://org@dev.azure.com/org/proj/_git/deploy', 'dev.azure.com/org/proj/_git/deploy'],
    ['https://gitlab.example.com/grp/sub/proj.git', 'gitlab.example.com/grp/sub/proj'],
    ['not a url', undefined],
    ['https://github.com/', undefined],
  ])('%s → %s', (url, key) => {
    expect(repoKey(url)).toBe(key);
  });
});

describe('sameRepo', () => {
  it('matches host and path, ignoring scheme, credentials, .git and case; never another path', () => {
    const hook = ['https://github.com/Acme/Deploy', 'git@github.com:Acme/Deploy.git'];
    expect(sameRepo('https://token@github.com/acme/deploy.git', hook)).toBe(true);
    expect(sameRepo('https://github.com/acme/deploy-prod.git', hook)).toBe(false);
    expect(sameRepo('https://gitlab.com/acme/deploy.git', hook)).toBe(false);
    expect(sameRepo('https://github.com/acme/deploy.git', [])).toBe(false);
  });
});

describe('followsRef', () => {
  it.each([
    ['main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/main', true],
    ['v1', 'refs/tags/v1', true],
    ['main', 'refs/heads/main2', false],
    ['main', 'refs/tags/other', false],
    ['refs/heads/main', 'refs/tags/main', false],
    ['a'.repeat(40), `refs/heads/${'a'.repeat(40)}`, false],
  ])('target %s, push %s → %s', (target, pushed, follows) => {
    expect(followsRef(target, pushed)).toBe(follows);
  });
});
