// Twenty targets on twenty paths of one repository, fetched at once into one cache (a monorepo): every one
// reads its files. Its manifests compress so well that a delta's zlib stream opens with Huffman tables longer
// than the 64-byte probe the object reader first inflates; that once failed every read with "truncated header".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { fetchSource } from '../../../src/source/source.ts';

let server: GitServer;
let cacheDir = '';
beforeAll(async () => {
  server = await startGitServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'gitops-many-targets-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('one repository, many targets', () => {
  it('fetches and reads twenty paths at once from one cache', async () => {
    const repo = await server.createRepo('monorepo');
    const files: Record<string, string> = {};
    for (let t = 0; t < 20; t++)
      for (let f = 0; f < 5; f++)
        files[`t${t}/p${f}.yaml`] = Array.from(
          { length: 50 },
          (_, i) =>
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${f}-${i}\ndata:\n  k: "${'x'.repeat(64)}${i}"\n`,
        ).join('---\n');
    const commit = await repo.commit(files, 'twenty targets');
    const snapshots = await Promise.all(
      Array.from({ length: 20 }, (_, t) =>
        fetchSource({ url: repo.url, ref: 'main', path: `t${t}`, cacheDir, target: `t${t}` }),
      ),
    );
    for (const [t, s] of snapshots.entries()) {
      expect(s.commit).toBe(commit);
      expect(s.files.map((f) => f.path).sort()).toEqual([0, 1, 2, 3, 4].map((f) => `t${t}/p${f}.yaml`));
      expect(s.files[0]!.content.toString()).toContain('cm-0-49');
    }
  });
});
