import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as git from 'isomorphic-git';
import { collectGarbage } from '../core/memory.ts';
import type { HttpClient } from 'isomorphic-git';
import { AgentError } from '../core/errors.ts';
import { objectType, peelToCommit, type ObjectStore } from './objects.ts';
import { listRemoteRefs, resolveRemoteRef } from './remote.ts';

/** How to reach the remote and where its objects go. */
export interface FetchContext extends ObjectStore {
  http: HttpClient;
  /** Repository URL without credentials. */
  url: string;
  headers: Record<string, string>;
  /** Target the fetch is for; keys the remembered commit (see SourceOptions.target). */
  target?: string;
}

/** The commit a ref resolved to, and whether objects had to be fetched for it. */
export interface FetchResult {
  commit: string;
  fetched: boolean;
}

// The last commit fetched, per target; isomorphic-git offers the server only this one ref as a "have", so
// keeping it current for each target is what makes each fetch incremental: with one ref per repository, two
// targets on unrelated branches overwrote each other's and every fetch downloaded the whole branch again.
// The shared ref holds the last commit of any target and seeds a target's first fetch.
const LAST_REF = 'refs/gitops/last';
const GC_EVERY_OBJECTS = 1000;

/** Makes sure the commit `ref` names is present, asking the remote first and fetching only when needed. */
export async function ensureCommit(ctx: FetchContext, ref: string): Promise<FetchResult> {
  if (/^[0-9a-f]{40}$/i.test(ref)) return ensureSha(ctx, ref.toLowerCase());
  const remote = resolveRemoteRef(await listRemoteRefs(ctx), ref, ctx.url);
  const known = remote.peeled ?? remote.oid;
  if ((await objectType(ctx, known)) !== undefined) {
    return { commit: await peelToCommit(ctx, known, ref), fetched: false };
  }
  const result = await fetchPack(ctx, {
    ref: await lastRef(ctx),
    remoteRef: remote.name,
    singleBranch: true,
    tags: false,
  });
  // The ref may have moved since it was listed: what the fetch brought is newer.
  const commit = await peelToCommit(ctx, result.fetchHead ?? remote.oid, ref);
  await remember(ctx, commit);
  return { commit, fetched: true };
}

// A commit SHA never moves, so the remote is asked only when the commit is missing; then every branch and
// tag is fetched, since the server cannot be asked for an unadvertised commit directly.
async function ensureSha(ctx: FetchContext, sha: string): Promise<FetchResult> {
  if ((await objectType(ctx, sha)) === 'commit') return { commit: sha, fetched: false };
  await fetchPack(ctx, { ref: await lastRef(ctx), remoteRef: 'HEAD', singleBranch: false, tags: true });
  if ((await objectType(ctx, sha)) !== 'commit') {
    throw new AgentError('source', `commit ${sha} not found in ${ctx.url} (fetched all branches and tags)`, {
      retryable: true,
    });
  }
  await remember(ctx, sha);
  return { commit: sha, fetched: true };
}

async function remember(ctx: FetchContext, commit: string): Promise<void> {
  for (const ref of new Set([targetRef(ctx), LAST_REF]))
    await git.writeRef({ fs, gitdir: ctx.gitdir, ref, value: commit, force: true });
}

function targetRef(ctx: FetchContext): string {
  if (ctx.target === undefined) return LAST_REF;
  // Hashed so that any target name makes a valid ref name.
  return `refs/gitops/targets/${createHash('sha256').update(ctx.target).digest('hex').slice(0, 24)}`;
}

// The target's ref, created from the shared one on its first fetch so that it starts from what the cache has.
async function lastRef(ctx: FetchContext): Promise<string> {
  const ref = targetRef(ctx);
  if (ref === LAST_REF) return ref;
  const own = await git.resolveRef({ fs, gitdir: ctx.gitdir, ref }).catch(() => undefined);
  if (own === undefined) {
    const shared = await git.resolveRef({ fs, gitdir: ctx.gitdir, ref: LAST_REF }).catch(() => undefined);
    if (shared !== undefined) await git.writeRef({ fs, gitdir: ctx.gitdir, ref, value: shared, force: true });
  }
  return ref;
}

/**
 * git.fetch with the context's connection, collecting garbage every 1,000 objects while the pack is indexed:
 * isomorphic-git inflates each object with a new pako.Inflate (about 60 KB of buffers each,
 * src/utils/git-list-pack.js), so a 5,000-object clone made about 160 MB of garbage faster than V8 collected
 * it (see isomorphic-git/isomorphic-git#2298 on its memory use).
 */
function fetchPack(
  ctx: FetchContext,
  what: { ref: string; remoteRef: string; singleBranch: boolean; tags: boolean },
): Promise<git.FetchResult> {
  let next = GC_EVERY_OBJECTS;
  return git.fetch({
    fs,
    http: ctx.http,
    gitdir: ctx.gitdir,
    cache: ctx.cache,
    url: ctx.url,
    headers: ctx.headers,
    ...what,
    // Small packs (every poll that brings a commit or two) never pay for a collection.
    onProgress: ({ phase, loaded }) => {
      if (phase !== 'Receiving objects' || loaded < next) return;
      next = loaded + GC_EVERY_OBJECTS;
      collectGarbage();
    },
  });
}
