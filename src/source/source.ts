import { rm } from 'node:fs/promises';
import type { SourceSnapshot } from '../core/types.ts';
import { authHeaders, secretsOf, splitUrlCredentials } from './auth.ts';
import { openRepo, repoDir, withRepoLock } from './cache.ts';
import { isCacheFailure, toSourceError } from './errors.ts';
import { ensureCommit, type FetchResult } from './fetch.ts';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from './options.ts';
import { normalizePath, readFilesAt } from './read.ts';
import { createHttpClient, withDeadline } from './remote.ts';

export { DEFAULT_SOURCE_OPTIONS, MANIFEST_EXTENSIONS, type SourceOptions } from './options.ts';
export { loadGitAuth, type GitAuthSource } from './auth.ts';

/** Fetches `ref` into the cache (only when the remote moved) and reads the manifests under `path`. */
export async function fetchSource(options: SourceOptions): Promise<SourceSnapshot> {
  const limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_SOURCE_OPTIONS.timeoutMs,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_SOURCE_OPTIONS.maxFileBytes,
    maxTotalBytes: options.maxTotalBytes ?? DEFAULT_SOURCE_OPTIONS.maxTotalBytes,
    maxFiles: options.maxFiles ?? DEFAULT_SOURCE_OPTIONS.maxFiles,
    maxFetchBytes: options.maxFetchBytes ?? DEFAULT_SOURCE_OPTIONS.maxFetchBytes,
  };
  const { url, auth } = splitUrlCredentials(options.url, options.auth);
  normalizePath(options.path);
  const dir = repoDir(options.cacheDir, url);

  return withRepoLock(dir, async () => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    const failure = { url, secrets: secretsOf(auth), signal, timeoutMs: limits.timeoutMs };
    const repo = await openRepo(dir).catch((err: unknown) => Promise.reject(toSourceError(err, failure)));
    // One cache per call: it has no eviction, and sharing it across calls would pin old packs in memory.
    const cache = {};
    const http = createHttpClient(signal);
    let result: FetchResult;
    try {
      const ctx = { gitdir: repo.gitdir, cache, http, url, headers: authHeaders(auth) };
      result = await withDeadline(ensureCommit(ctx, options.ref), signal);
    } catch (err) {
      await repo.discard();
      if (isCacheFailure(err, signal.aborted)) await rm(dir, { recursive: true, force: true });
      throw toSourceError(err, failure);
    }
    await repo.keep();
    try {
      const files = await readFilesAt({ gitdir: repo.gitdir, cache }, result.commit, options.path, limits);
      return { url, ref: options.ref, commit: result.commit, files, fetched: result.fetched };
    } catch (err) {
      // A damaged cache would fail every later call the same way, so it is dropped and cloned anew next time.
      if (isCacheFailure(err, false)) await rm(dir, { recursive: true, force: true });
      throw toSourceError(err, { ...failure, action: `reading commit ${result.commit} of` });
    }
  });
}
