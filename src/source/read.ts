import { ManifestError } from '../core/errors.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import type { SourceFile } from '../core/types.ts';
import { commitTree, type ObjectStore } from './objects.ts';
import type { TreeItem as TreeEntry } from './object-reader.ts';
import { MANIFEST_EXTENSIONS, type SourceLimits } from './options.ts';

const READ_BATCH = 64;

/**
 * Reads the manifests under `path` at `commit`, or every file of the repository when `whole` says so (true, or
 * one of its names is directly under `path`); refuses symlinks and submodules under `path` (outside it they
 * are skipped) and oversized content.
 */
export async function readFilesAt(
  store: ObjectStore,
  commit: string,
  path: string,
  limits: Omit<SourceLimits, 'timeoutMs'>,
  whole: boolean | readonly string[] = false,
): Promise<SourceFile[]> {
  const at = normalizeRepoPath(path);
  const top = await rootTree(store, commit, at);
  const all = whole === true || (Array.isArray(whole) && top.some((e) => whole.includes(e.path)));
  const root = all ? '' : at;
  const isWanted = all ? () => true : isManifest;
  const blobs: { file: string; oid: string }[] = [];
  const pending: { prefix: string; entries: TreeEntry[] }[] = [
    { prefix: root, entries: all && at !== '' ? await rootTree(store, commit, '') : top },
  ];
  for (let dir = pending.pop(); dir; dir = pending.pop()) {
    for (const entry of dir.entries) {
      const file = dir.prefix === '' ? entry.path : `${dir.prefix}/${entry.path}`;
      // Outside the path (whole-repository mode) a symlink or submodule is just not read: a kustomization that
      // needs it fails with the tool's missing-file error naming it, and every other target is unaffected.
      if (isSpecial(entry) && !isUnder(file, at)) continue;
      refuseSpecial(entry, file);
      if (entry.type === 'tree') {
        pending.push({ prefix: file, entries: await store.objects.readTree(entry.oid) });
      } else if (isWanted(entry.path)) {
        blobs.push({ file, oid: entry.oid });
      }
    }
  }
  if (blobs.length > limits.maxFiles) {
    throw new ManifestError(
      'source',
      `more than ${limits.maxFiles} ${all ? 'files in the repository' : 'manifest files under this path'}`,
      {
        file: root || '.',
      },
    );
  }
  const files: SourceFile[] = [];
  let total = 0;
  // Sizes come from the objects' headers, so an oversized file is refused before a byte of it is inflated.
  for (let i = 0; i < blobs.length; i += READ_BATCH) {
    const batch = blobs.slice(i, i + READ_BATCH);
    for (const { file, oid } of batch) {
      const size = (await store.objects.info(oid))?.size ?? 0;
      if (size > limits.maxFileBytes) {
        throw new ManifestError(
          'source',
          `is ${size} bytes, over the limit of ${limits.maxFileBytes} bytes`,
          {
            file,
          },
        );
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        throw new ManifestError(
          'source',
          `${all ? 'files of the repository' : 'manifests under this path'} exceed ${limits.maxTotalBytes} bytes in total`,
          { file: root || '.' },
        );
      }
    }
    const read = await Promise.all(batch.map((b) => store.objects.readAs(b.oid, 'blob')));
    for (const [j, blob] of read.entries()) {
      const file = batch[j]!.file;
      files.push({ path: file, content: blob });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function rootTree(store: ObjectStore, commit: string, root: string): Promise<TreeEntry[]> {
  try {
    let tree = await store.objects.readTree(await commitTree(store, commit));
    for (const part of root ? root.split('/') : []) {
      const entry = tree.find((e) => e.path === part);
      if (!entry) throw Object.assign(new Error(`${root} not found`), { code: 'NotFoundError' });
      if (entry.type !== 'tree')
        throw Object.assign(new Error(`${root} is a file`), { code: 'ObjectTypeError' });
      tree = await store.objects.readTree(entry.oid);
    }
    return tree;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFoundError') {
      throw new ManifestError('source', `directory not found at commit ${commit}`, { file: root });
    }
    if (code === 'ObjectTypeError') {
      throw new ManifestError('source', `is not a directory at commit ${commit}`, { file: root });
    }
    throw err;
  }
}

// Git itself never writes such names, but a hand-crafted tree can, and a path must never climb out of `path`.
function refuseSpecial(entry: TreeEntry, file: string): void {
  const name = entry.path;
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new ManifestError('source', `tree entry "${name}" is not a valid file name`, { file });
  }
  if (entry.mode === '120000') {
    throw new ManifestError('source', 'is a symbolic link; symlinks are not followed, commit the file', {
      file,
    });
  }
  if (entry.type === 'commit') {
    throw new ManifestError('source', `is a submodule (commit ${entry.oid}); submodules are not supported`, {
      file,
    });
  }
}

function isSpecial(entry: TreeEntry): boolean {
  return entry.mode === '120000' || entry.type === 'commit';
}

function isUnder(file: string, dir: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

function isManifest(name: string): boolean {
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
