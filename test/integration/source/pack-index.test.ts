// The pack indexer and the object reader against native git: the .idx written for a pack git made (deep delta
// chains, a large blob, many small objects) is byte for byte the one `git index-pack` wrote, and every object
// reads back with the content `git cat-file` prints.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectReader } from '../../../src/source/object-reader.ts';
import { indexPack } from '../../../src/source/pack-index.ts';
import { git } from '../../support/git-cli.ts';

describe('pack indexing and reading', () => {
  let dir = '';
  let pack = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitops-pack-'));
    await git(dir, ['init', '--quiet', '--initial-branch=main', '.']);
    for (let i = 1; i <= 40; i++) {
      // A file growing by a line per commit gives git long delta chains; the others change outright.
      const lines = Array.from({ length: i * 40 }, (_, n) => `line ${n}`).join('\n');
      await writeFile(join(dir, 'grow.txt'), lines);
      await writeFile(join(dir, `small-${i % 7}.yaml`), `n: ${i}\n`);
      await writeFile(join(dir, `noise-${i % 3}.bin`), randomBytes(2000));
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '--quiet', '-m', `commit ${i}`]);
    }
    await writeFile(join(dir, 'large.bin'), randomBytes(6 << 20));
    await git(dir, ['add', '-A']);
    await git(dir, ['commit', '--quiet', '-m', 'large']);
    await git(dir, ['repack', '-a', '-d', '-q', '--depth=50', '--window=50']);
    const packDir = join(dir, '.git', 'objects', 'pack');
    pack = join(packDir, (await readdir(packDir)).find((n) => n.endsWith('.pack')) ?? '');
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the same index as git index-pack', async () => {
    const bytes = await readFile(pack);
    const out = join(dir, 'ours.idx');
    const result = await indexPack(pack, out, bytes.subarray(bytes.length - 20));
    const verify = await git(dir, ['verify-pack', '-v', pack.replace(/\.pack$/, '.idx')]);
    expect(verify).toMatch(/chain length = [2-9]\d*: /);
    expect(result.objects).toBe(bytes.readUInt32BE(8));
    expect((await readFile(out)).equals(await readFile(pack.replace(/\.pack$/, '.idx')))).toBe(true);
  });

  it('reads every object as git cat-file does, and sizes from headers', async () => {
    const reader = await ObjectReader.open(join(dir, '.git'));
    try {
      const listing = await git(dir, ['cat-file', '--batch-all-objects', '--batch-check']);
      const objects = listing.split('\n').map((l) => l.split(' ') as [string, string, string]);
      expect(objects.length).toBeGreaterThan(150);
      for (const [oid, type, size] of objects) {
        expect(await reader.info(oid)).toEqual({ type, size: Number(size) });
        if (type !== 'blob' || Number(size) > 1 << 20) continue;
        const data = (await reader.read(oid))?.data;
        const expected = await git(dir, ['cat-file', 'blob', oid]);
        expect(data?.toString('utf8').trim()).toBe(expected);
      }
      expect(await reader.read('0'.repeat(40))).toBeUndefined();
    } finally {
      await reader.close();
    }
  }, 60_000);
});
