import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../../src/cli/target.ts';
import { parseCli } from '../../../src/cli/args.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-cli-'));
  dirs.push(dir);
  const path = join(dir, 'target.yaml');
  await writeFile(path, text);
  return path;
}

describe('parseCli', () => {
  it.each([
    [['sync', '--repo', 'https://x/y.git'], 'sync'],
    [['diff'], 'diff'],
    [['--help'], 'help'],
    [['sync', '--version'], 'version'],
  ])('%j is %s', (argv, command) => {
    expect(parseCli(argv).command).toBe(command);
  });

  it.each([
    [[], /missing command/],
    [['apply'], /unknown command "apply"/],
    [['sync', '--bogus'], /Unknown option '--bogus'/],
    [['sync', 'extra'], /unexpected argument "extra"/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('resolveTarget', () => {
  it('applies documented defaults', async () => {
    const { target } = await resolveTarget({ repo: 'https://git.example.com/acme/deploy.git' });
    expect(target).toMatchObject({
      url: 'https://git.example.com/acme/deploy.git',
      ref: 'main',
      path: '.',
      namespace: 'default',
      inventoryNamespace: 'default',
      force: true,
      healthTimeoutSeconds: 120,
      healthFailureGraceSeconds: 120,
      prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
    });
    expect(target.name).toMatch(/^deploy-[a-f0-9]{6}$/);
  });

  it('reads a config file and lets flags override it', async () => {
    const config = await configFile(
      'name: web-prod\nrepo: https://x/deploy.git\npath: apps/web\nnamespace: web\nprune: { maxShare: 0.3 }\nauth: { tokenEnv: GIT_TOKEN, username: oauth2 }\n',
    );
    const { target, auth } = await resolveTarget({ config, ref: 'v1.2.0', 'no-prune': true });
    expect(target).toMatchObject({
      name: 'web-prod',
      ref: 'v1.2.0',
      path: 'apps/web',
      namespace: 'web',
      inventoryNamespace: 'web',
    });
    expect(target.prune).toEqual({ enabled: false, allowEmpty: false, maxShare: 0.3, allowMass: false });
    expect(auth).toEqual({ tokenEnv: 'GIT_TOKEN', username: 'oauth2', tokenFile: undefined });
  });

  it.each([
    [{}, /no repository/],
    [{ repo: 'https://x/y.git', 'max-prune-share': '1.5' }, /max-prune-share must be a number in \(0, 1\]/],
    [{ repo: 'https://x/y.git', 'health-timeout': 'soon' }, /health-timeout must be a number/],
    [{ repo: 'https://x/y.git', 'health-failure-grace': '-1' }, /health-failure-grace must be a number/],
    [{ repo: 'https://x/y.git', name: 'Not_Valid' }, /must be a lowercase DNS subdomain/],
  ])('refuses %j', async (values, message) => {
    await expect(resolveTarget(values)).rejects.toThrow(message);
  });

  it('names the file and the key of a bad config', async () => {
    const config = await configFile('repo: https://x/y.git\nrepository: oops\n');
    await expect(resolveTarget({ config })).rejects.toThrow(`${config}: unknown key "repository"`);
  });
});

describe('resolveTarget: per-target limits', () => {
  it('reads limits from the config file', async () => {
    const config = await configFile(
      'repo: https://x/deploy.git\nlimits: { maxFileBytes: 33554432, maxObjectBytes: 1572864 }\n',
    );
    const { target } = await resolveTarget({ config });
    expect(target.limits).toEqual({ maxFileBytes: 33554432, maxObjectBytes: 1572864 });
    const plain = await resolveTarget({ repo: 'https://x/deploy.git' });
    expect(plain.target.limits).toBeUndefined();
  });

  it.each([
    ['limits: { maxFileBytes: -1 }', 'limits.maxFileBytes must be a positive whole number'],
    ['limits: { maxFileBytes: 1.5 }', 'limits.maxFileBytes must be a positive whole number'],
    ['limits: { maxBytes: 1 }', 'limits: unknown key "maxBytes" (known: maxFileBytes, maxTotalBytes,'],
    ['limits: 5', 'limits must be a mapping'],
  ])('refuses %s', async (line, message) => {
    const config = await configFile(`repo: https://x/deploy.git\n${line}\n`);
    await expect(resolveTarget({ config })).rejects.toThrow(message);
  });
});

describe('resolveTarget: deadlines', () => {
  it('reads them from the config file, lets flags override, and leaves them unset by default', async () => {
    const config = await configFile(
      'repo: https://x/deploy.git\nsyncTimeoutSeconds: 300\nstageTimeoutSeconds: 90\n',
    );
    const fromFile = await resolveTarget({ config, 'stage-timeout': '45' });
    expect(fromFile.target).toMatchObject({ syncTimeoutSeconds: 300, stageTimeoutSeconds: 45 });
    const plain = await resolveTarget({ repo: 'https://x/deploy.git' });
    expect(plain.target).not.toHaveProperty('syncTimeoutSeconds');
    expect(plain.target).not.toHaveProperty('stageTimeoutSeconds');
  });

  it.each([
    [{ 'sync-timeout': '0' }, /sync-timeout must be a number of seconds above 0/],
    [{ 'stage-timeout': 'soon' }, /stage-timeout must be a number of seconds above 0/],
  ])('refuses %j', async (values, message) => {
    await expect(resolveTarget({ repo: 'https://x/y.git', ...values })).rejects.toThrow(message);
  });
});
