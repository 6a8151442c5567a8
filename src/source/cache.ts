import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as git from 'isomorphic-git';

/** A bare repository in the cache; a first clone lives in a temp dir until `keep` moves it into place. */
export interface CachedRepo {
  gitdir: string;
  /** Moves a fresh clone into its final place; a no-op for an existing one. */
  keep(): Promise<void>;
  /** Deletes a fresh clone that never got kept; a no-op for an existing one. */
  discard(): Promise<void>;
}

const locks = new Map<string, Promise<unknown>>();
// First clones this process is building; a temp dir with this process's PID that is not here was left by an
// earlier process that had the same PID (a restarted container's agent is often PID 1 again).
const building = new Set<string>();
const TMP = /\.tmp-(\d+)-[0-9a-f]+$/;
// Temp dirs named before the PID was part of the name; no clone runs this long.
const LEGACY_TMP = /\.tmp-[0-9a-f]{12}$/;
const LEGACY_MAX_AGE_MS = 60 * 60_000;

/**
 * Removes first clones that a killed process left behind (a SIGKILL during the first clone leaves its temp dir):
 * those of processes that are gone, and those of an earlier process with this process's PID.
 */
export async function sweepAbandoned(cacheDir: string): Promise<void> {
  const entries = await readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (name) => {
      const path = join(cacheDir, name);
      if (await isAbandoned(path, name)) await rm(path, { recursive: true, force: true });
    }),
  );
}

async function isAbandoned(path: string, name: string): Promise<boolean> {
  const pid = TMP.exec(name)?.[1];
  if (pid !== undefined) return Number(pid) === process.pid ? !building.has(path) : !alive(Number(pid));
  if (!LEGACY_TMP.test(name)) return false;
  const modified = (await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now();
  return Date.now() - modified > LEGACY_MAX_AGE_MS;
}

/** The cache directory of one repository URL: a SHA-256 prefix, so URLs never become paths. */
export function repoDir(cacheDir: string, url: string): string {
  return join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 24));
}

/** Runs `fn` while holding the in-process lock of `key`; isomorphic-git is unsafe on one repo in parallel. */
export async function withRepoLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(() => fn());
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** Opens the bare repository at `dir`, or initialises a fresh one in a sibling temp dir. */
export async function openRepo(dir: string): Promise<CachedRepo> {
  if (await exists(join(dir, 'HEAD'))) {
    const noop = async (): Promise<void> => undefined;
    return { gitdir: dir, keep: noop, discard: noop };
  }
  // A crashed first clone must never look like a cache entry, so it is built aside and renamed when complete.
  await rm(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  building.add(tmp);
  await mkdir(tmp, { recursive: true });
  await git.init({ fs, dir: tmp, bare: true, defaultBranch: 'main' });
  // isomorphic-git records fetched branches through the remote's refspec and fails without one; the URL is
  // passed on each fetch instead, so it is never stored.
  await git.setConfig({
    fs,
    gitdir: tmp,
    path: 'remote.origin.fetch',
    value: '+refs/heads/*:refs/remotes/origin/*',
  });
  let settled = false;
  const repo: CachedRepo = {
    gitdir: tmp,
    async keep() {
      if (settled) return;
      settled = true;
      await rename(tmp, dir);
      building.delete(tmp);
      repo.gitdir = dir;
    },
    async discard() {
      if (settled) return;
      settled = true;
      await rm(tmp, { recursive: true, force: true });
      building.delete(tmp);
    },
  };
  return repo;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
