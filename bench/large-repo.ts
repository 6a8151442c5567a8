// The memory rows: repositories whose size has nothing to do with the manifests, cloned by fetchSource (in
// its own process, peak RSS measured) and by native git: a 200 MB pack of 1 MB files and one 400 MB blob,
// both outside the target's path.
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gitEnv } from '../test/support/git-cli.ts';
import type { GitServer } from '../test/support/git-server.ts';
import type { GitRunInput, GitRunOutput } from './git-run.ts';
import { run, runNode } from './proc.ts';

/** One clone of one large repository by both clients. */
export interface LargeRepoResult {
  name: string;
  description: string;
  packMiB: number;
  agent: { ms: number; maxRssMiB: number; files: number };
  native: { ms: number; maxRssMiB: number };
}

const env = gitEnv();

/** Builds, pushes and clones the two large repositories. */
export async function runLargeRepos(
  server: GitServer,
  workDir: string,
  log: (line: string) => void,
): Promise<LargeRepoResult[]> {
  const shapes = [
    {
      name: 'pack-200mb',
      description: '200 MB pack (200 files of 1 MB outside the path)',
      files: 200,
      bytes: 1 << 20,
    },
    { name: 'blob-400mb', description: 'one 400 MB blob outside the path', files: 1, bytes: 400 << 20 },
  ];
  const out: LargeRepoResult[] = [];
  for (const shape of shapes) {
    const local = join(workDir, `${shape.name}-src.git`);
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', local], { env });
    await run('git', ['-C', local, 'fast-import', '--quiet'], {
      env,
      input: stream(shape.files, shape.bytes),
    });
    const repo = await server.createRepo(shape.name);
    await run('git', ['-C', local, 'push', '--quiet', repo.url, 'main'], { env });
    const packMiB = (await objectBytes(join(local, 'objects'))) / 2 ** 20;
    const input: GitRunInput = {
      url: repo.url,
      cacheDir: join(workDir, `${shape.name}-cache`),
      path: 'manifests',
    };
    const res = await runNode('./git-run.ts', [JSON.stringify(input)]);
    const agent = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as GitRunOutput;
    const bare = join(workDir, `${shape.name}-native.git`);
    const nat = await run(
      '/usr/bin/time',
      ['-f', 'TIME %e %M', 'git', 'clone', '--quiet', '--bare', repo.url, bare],
      {
        env,
      },
    );
    const m = /TIME ([\d.]+) (\d+)/.exec(nat.stderr);
    const result = {
      name: shape.name,
      description: shape.description,
      packMiB,
      agent: { ms: agent.ms, maxRssMiB: agent.maxRssMiB, files: agent.files },
      native: { ms: nat.ms, maxRssMiB: Number(m?.[2] ?? 0) / 1024 },
    };
    log(
      `large repo ${shape.name} (${packMiB.toFixed(0)} MiB pack): agent ${(agent.ms / 1000).toFixed(2)}s ` +
        `${agent.maxRssMiB.toFixed(0)} MiB, native ${(nat.ms / 1000).toFixed(2)}s ${result.native.maxRssMiB.toFixed(0)} MiB`,
    );
    out.push(result);
  }
  return out;
}

// The size of the object store, loose objects included: fast-import wrote the 400 MB blob outside any pack.
async function objectBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

// One commit: a manifest under manifests/ and `files` random files of `bytes` each under assets/.
function stream(files: number, bytes: number): Buffer {
  const parts: Buffer[] = [
    Buffer.from('commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n'),
  ];
  const data = (buf: Buffer): void => {
    parts.push(Buffer.from(`data ${buf.length}\n`), buf, Buffer.from('\n'));
  };
  data(Buffer.from('large repository'));
  parts.push(Buffer.from('M 100644 inline manifests/configmap.yaml\n'));
  data(Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: large }\ndata: { a: b }\n'));
  for (let i = 0; i < files; i++) {
    parts.push(Buffer.from(`M 100644 inline assets/a${i}.bin\n`));
    data(randomBytes(bytes));
  }
  return Buffer.concat(parts);
}
