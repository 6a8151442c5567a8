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
}

/** The commit a ref resolved to, and whether objects had to be fetched for it. */
export interface FetchResult {
  commit: string;
  fetched: boolean;
}

// The last commit fetched; isomorphic-git offers the server only this one ref as a "have", so keeping it
// current is what makes each fetch incremental.
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
    ref: LAST_REF,
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
  await fetchPack(ctx, { ref: LAST_REF, remoteRef: 'HEAD', singleBranch: false, tags: true });
  if ((await objectType(ctx, sha)) !== 'commit') {
    throw new AgentError('source', `commit ${sha} not found in ${ctx.url} (fetched all branches and tags)`, {
      retryable: true,
    });
  }
  await remember(ctx, sha);
  return { commit: sha, fetched: true };
}

async function remember(store: ObjectStore, commit: string): Promise<void> {
  await git.writeRef({ fs, gitdir: store.gitdir, ref: LAST_REF, value: commit, force: true });
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
