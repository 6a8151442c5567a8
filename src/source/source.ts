import { rm } from 'node:fs/promises';
import { raceAbort } from '../core/abort.ts';
import type { SourceSnapshot } from '../core/types.ts';
import { authHeaders, secretsOf, splitUrlCredentials } from './auth.ts';
import { openRepo, repoDir, sweepAbandoned, withRepoLock } from './cache.ts';
import { callDeadline, isCacheFailure, toSourceError } from './errors.ts';
import { ensureCommit, type FetchResult } from './fetch.ts';
import { ObjectReader } from './object-reader.ts';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from './options.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import { readFilesAt } from './read.ts';
import { createHttpClient } from './remote.ts';

export {
  DEFAULT_SOURCE_OPTIONS,
  MANIFEST_EXTENSIONS,
  type GitAuthReader,
  type SourceOptions,
} from './options.ts';
export { credentialFreeUrl, gitAuthReader, loadGitAuth, type GitAuthSource } from './auth.ts';

/** Fetches `ref` into the cache (only when the remote moved) and reads the manifests under `path`. */
export async function fetchSource(options: SourceOptions): Promise<SourceSnapshot> {
  const limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_SOURCE_OPTIONS.timeoutMs,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_SOURCE_OPTIONS.maxFileBytes,
    maxTotalBytes: options.maxTotalBytes ?? DEFAULT_SOURCE_OPTIONS.maxTotalBytes,
    maxFiles: options.maxFiles ?? DEFAULT_SOURCE_OPTIONS.maxFiles,
    maxFetchBytes: options.maxFetchBytes ?? DEFAULT_SOURCE_OPTIONS.maxFetchBytes,
  };
  const given = typeof options.auth === 'function' ? await options.auth() : options.auth;
  const { url, auth } = splitUrlCredentials(options.url, given);
  normalizeRepoPath(options.path);
  const dir = repoDir(options.cacheDir, url);
  await sweepAbandoned(options.cacheDir);

  return withRepoLock(dir, async () => {
    const { signal, failure } = callDeadline({
      url,
      secrets: secretsOf(auth),
      timeoutMs: limits.timeoutMs,
      aborted: options.signal,
    });
    if (options.signal?.aborted) throw toSourceError(options.signal.reason, failure);
    const repo = await openRepo(dir).catch((err: unknown) => Promise.reject(toSourceError(err, failure)));
    const http = createHttpClient(signal);
    // One reader per call: it holds open packs and a small cache, both released when the call ends.
    let objects: ObjectReader | undefined;
    let result: FetchResult;
    try {
      objects = await ObjectReader.open(repo.gitdir);
      const ctx = {
        gitdir: repo.gitdir,
        objects,
        http,
        url,
        headers: authHeaders(auth),
        signal,
        target: options.target,
        ...limits,
      };
      result = await raceAbort(ensureCommit(ctx, options.ref), signal);
    } catch (err) {
      await objects?.close();
      await repo.discard();
      if (isCacheFailure(err, signal.aborted)) await rm(dir, { recursive: true, force: true });
      throw toSourceError(err, failure);
    }
    const fresh = repo.gitdir !== dir;
    await repo.keep();
    try {
      if (fresh) {
        await objects.close();
        objects = await ObjectReader.open(repo.gitdir);
      }
      const store = { gitdir: repo.gitdir, objects };
      const snapshot = { url, ref: options.ref, commit: result.commit, fetched: result.fetched };
      if (options.known === result.commit) return { ...snapshot, files: [], unread: true };
      const files = await readFilesAt(store, result.commit, options.path, limits, options.wholeRepository);
      return { ...snapshot, files };
    } catch (err) {
      // A damaged cache would fail every later call the same way, so it is dropped and cloned anew next time.
      if (isCacheFailure(err, false)) await rm(dir, { recursive: true, force: true });
      throw toSourceError(err, { ...failure, action: `reading commit ${result.commit} of` });
    } finally {
      await objects?.close();
    }
  });
}
