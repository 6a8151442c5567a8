// Shared helpers for source-stage tests: a temp cache dir, decoded snapshot files and request counting.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceSnapshot } from '../../src/core/types.ts';
import type { GitServer } from './git-server.ts';

/** A fresh cache directory and a function that removes it. */
export async function tempCacheDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-source-cache-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The snapshot's files as a path → UTF-8 text map. */
export function textFiles(snapshot: SourceSnapshot): Record<string, string> {
  return Object.fromEntries(snapshot.files.map((f) => [f.path, Buffer.from(f.content).toString('utf8')]));
}

/** Counts ref listings and pack downloads the server saw from index `since` of `server.requests` on. */
export function requestsSince(
  server: GitServer,
  since: number,
): { refListings: number; uploadPacks: number; uploadPackBytes: number } {
  const seen = server.requests.slice(since);
  const packs = seen.filter((r) => r.method === 'POST' && r.path.endsWith('/git-upload-pack'));
  return {
    refListings: seen.filter((r) => r.method === 'GET' && r.path.endsWith('/info/refs')).length,
    uploadPacks: packs.length,
    uploadPackBytes: packs.reduce((sum, r) => sum + r.responseBytes, 0),
  };
}
