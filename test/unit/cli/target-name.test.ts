import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../../src/cli/target.ts';

const nameOf = async (repo: string, path?: string): Promise<string> =>
  (await resolveTarget({ repo, ...(path ? { path } : {}) })).target.name;

describe('the default target name', () => {
  it('does not depend on credentials in the URL', async () => {
    const plain = await nameOf('https://git.example.com/acme/deploy.git');
    expect(await nameOf('https://git:tok-one@git.example.com/acme/deploy.git')).toBe(plain);
    expect(await nameOf('https://x-access-token:tok-two@git.example.com/acme/deploy.git')).toBe(plain);
    expect(await nameOf('https://only-user@git.example.com/acme/deploy.git')).toBe(plain);
  });

  it('keeps the name an existing target already has', async () => {
    // Names are inventory identities: the hash of a credential-free URL and path must stay what it was.
    expect(await nameOf('https://git.example.com/acme/deploy.git', 'apps/web')).toBe(
      'deploy-apps-web-ee2661',
    );
  });

  it('refuses an invalid URL without printing its credentials', async () => {
    await expect(resolveTarget({ repo: 'http://git:ab/s3cr3t-T0KEN@host/repo.git' })).rejects.toThrow(
      'invalid repository URL http://host/repo.git',
    );
  });
});
