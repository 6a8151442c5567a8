import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ManifestError } from '../core/errors.ts';
import type { SourceFile } from '../core/types.ts';

/** A private directory holding one commit's files for a tool to read; `dispose` removes all of it. */
export interface Sandbox {
  /** The directory (mode 0700) the tool runs in; `repo/` below it holds the repository's files. */
  dir: string;
  /** Where the repository's root is: `<dir>/repo`. */
  repo: string;
  /** Writes an extra file outside the repository (inline values), returning its path. */
  writeExtra(name: string, content: string | Uint8Array): Promise<string>;
  /** Replaces the sandbox's paths in a tool's message by repository paths. */
  toRepoPaths(message: string): string;
  dispose(): Promise<void>;
}

// O_EXCL refuses a file that exists, O_NOFOLLOW a symlink in its place: nothing is written outside the dir.
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `files` (already checked by the source stage: no symlinks, no `..`) into a new private temporary
 * directory under `parent` (default the OS temp dir), each path checked again before it is written.
 */
export async function createSandbox(files: readonly SourceFile[], parent = tmpdir()): Promise<Sandbox> {
  // The real path, as the tools print it (a symlinked TMPDIR would otherwise leak into their messages).
  const dir = await realpath(await mkdtemp(join(parent, 'gitops-render-')));
  const repo = join(dir, 'repo');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await mkdir(repo, { mode: 0o700 });
    const made = new Set<string>([repo]);
    for (const file of files) {
      const parts = file.path.split('/');
      if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0')))
        throw new ManifestError('render', 'is not a path inside the repository', { file: file.path });
      const target = join(repo, ...parts);
      const parentDir = dirname(target);
      if (!made.has(parentDir)) {
        await mkdir(parentDir, { recursive: true, mode: 0o700 });
        made.add(parentDir);
      }
      await writeNew(target, file.content);
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    dir,
    repo,
    async writeExtra(name, content) {
      const path = join(dir, name.replaceAll('/', '_'));
      await writeNew(path, content);
      return path;
    },
    toRepoPaths: (message) => message.split(`${repo}/`).join('').split(repo).join('.').split(dir).join('.'),
    dispose,
  };
}

async function writeNew(path: string, content: string | Uint8Array): Promise<void> {
  const handle = await open(path, CREATE, 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}
