// Proves the Git fixture is a real smart-HTTP server: native git pushes, isomorphic-git clones and reads.
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git as nativeGit } from '../../support/git-cli.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';

describe('startGitServer', () => {
  let server: GitServer;
  let dir: string;

  beforeAll(async () => {
    server = await startGitServer();
    dir = await mkdtemp(join(tmpdir(), 'gitops-smoke-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a pushed commit that isomorphic-git clones and reads at that commit', async () => {
    const repo = await server.createRepo('smoke');
    const first = await repo.commit({ 'deploy/app.yaml': 'kind: ConfigMap\n' }, 'first');
    const second = await repo.commit({ 'deploy/app.yaml': 'kind: Secret\n' }, 'second');
    expect(await repo.head()).toBe(second);

    const clone = join(dir, 'iso');
    await git.clone({ fs, http, dir: clone, url: repo.url, singleBranch: true, noCheckout: true });
    const cache = {};
    const read = async (oid: string): Promise<string> => {
      const { blob } = await git.readBlob({ fs, dir: clone, oid, filepath: 'deploy/app.yaml', cache });
      return Buffer.from(blob).toString('utf8');
    };
    expect(await read(first)).toBe('kind: ConfigMap\n');
    expect(await read(second)).toBe('kind: Secret\n');
    expect(server.requests.some((r) => r.method === 'POST' && r.path === '/smoke.git/git-upload-pack')).toBe(
      true,
    );
  });

  it('accepts the gzip-compressed negotiation native git sends for many refs', async () => {
    const repo = await server.createRepo('many-refs');
    await repo.commit({ 'a.yaml': 'a\n' }, 'first');
    const pusher = join(dir, 'pusher');
    await nativeGit(dir, ['clone', '--quiet', repo.url, pusher]);
    // Each annotated tag is its own object, so a clone wants 30 objects: over git's 1 KiB gzip threshold.
    for (let i = 0; i < 30; i++) await nativeGit(pusher, ['tag', '-a', '-m', `tag ${i}`, `t${i}`]);
    await nativeGit(pusher, ['push', '--quiet', 'origin', '--tags']);
    const before = server.requests.length;
    await nativeGit(dir, ['clone', '--quiet', '--no-checkout', repo.url, 'native']);
    expect(server.requests.slice(before).some((r) => r.gzip)).toBe(true);
    expect(await nativeGit(join(dir, 'native'), ['rev-parse', 'refs/tags/t29^{commit}'])).toHaveLength(40);
    expect(server.log.filter((line) => /fatal|error/i.test(line))).toEqual([]);
  });
});
