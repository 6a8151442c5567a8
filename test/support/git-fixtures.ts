// Shared helpers for source-stage tests: server and cache per file, a temp cache dir, decoded snapshot files
// and request counting.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceSnapshot } from '../../src/core/types.ts';
import { afterAll, beforeAll } from 'vitest';
import { fetchSource, type SourceOptions } from '../../src/source/source.ts';
import { startGitServer, type GitServer } from './git-server.ts';

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

/** Per test file: a Git server and a clone cache, with an options factory for fetchSource calls. */
export function useSourceEnv(defaultPath: string): {
  readonly server: GitServer;
  readonly cacheDir: string;
  options(url: string, extra?: Partial<SourceOptions>): SourceOptions;
  failure(opts: SourceOptions): Promise<unknown>;
} {
  let server: GitServer | undefined;
  let cache: Awaited<ReturnType<typeof tempCacheDir>> | undefined;
  beforeAll(async () => {
    server = await startGitServer();
    cache = await tempCacheDir();
  });
  afterAll(async () => {
    await server?.close();
    await cache?.remove();
  });
  const env = {
    get server(): GitServer {
      if (!server) throw new Error('useSourceEnv(): the Git server is not running (called outside a test?)');
      return server;
    },
    get cacheDir(): string {
      if (!cache) throw new Error('useSourceEnv(): no cache dir (called outside a test?)');
      return cache.dir;
    },
    options: (url: string, extra: Partial<SourceOptions> = {}): SourceOptions => ({
      url,
      ref: 'main',
      path: defaultPath,
      cacheDir: env.cacheDir,
      ...extra,
    }),
    failure: (opts: SourceOptions): Promise<unknown> => fetchSource(opts).catch((e: unknown) => e),
  };
  return env;
}
