import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as git from 'isomorphic-git';
import type { HttpClient } from 'isomorphic-git';
import { AgentError } from '../core/errors.ts';
import { objectType, peelToCommit, type ObjectStore } from './objects.ts';
import { listRemoteRefs, resolveRemoteRef } from './remote.ts';
import { uploadPack } from './upload-pack.ts';

/** How to reach the remote and where its objects go. */
export interface FetchContext extends ObjectStore {
  http: HttpClient;
  /** Repository URL without credentials. */
  url: string;
  headers: Record<string, string>;
  /** The largest pack one fetch may download, in bytes. */
  maxFetchBytes: number;
  /** The deadline of the whole call. */
  signal: AbortSignal;
  /** Target the fetch is for; keys the remembered commit (see SourceOptions.target). */
  target?: string;
}

/** The commit a ref resolved to, and whether objects had to be fetched for it. */
export interface FetchResult {
  commit: string;
  fetched: boolean;
}

// The last commit fetched, per target, and of any target; both are offered to the server as "haves", so
// keeping them current is what makes each fetch incremental: with one ref per repository, two targets on
// unrelated branches overwrote each other's and every fetch downloaded the whole branch again.
const LAST_REF = 'refs/gitops/last';

/** Makes sure the commit `ref` names is present, asking the remote first and fetching only when needed. */
export async function ensureCommit(ctx: FetchContext, ref: string): Promise<FetchResult> {
  if (/^[0-9a-f]{40}$/i.test(ref)) return ensureSha(ctx, ref.toLowerCase());
  const remote = resolveRemoteRef(await listRemoteRefs(ctx), ref, ctx.url);
  const known = remote.peeled ?? remote.oid;
  if ((await objectType(ctx, known)) !== undefined) {
    return { commit: await peelToCommit(ctx, known, ref), fetched: false };
  }
  // The object listed is the one asked for, so a ref that moves meanwhile cannot mix two commits.
  await fetchPack(ctx, [remote.oid]);
  const commit = await peelToCommit(ctx, remote.oid, ref);
  await remember(ctx, commit);
  return { commit, fetched: true };
}

// A commit SHA never moves, so the remote is asked only when the commit is missing; then every branch and
// tag is fetched, since the server cannot be asked for an unadvertised commit directly.
async function ensureSha(ctx: FetchContext, sha: string): Promise<FetchResult> {
  if ((await objectType(ctx, sha)) === 'commit') return { commit: sha, fetched: false };
  const refs = await listRemoteRefs(ctx);
  const tips = refs.filter(
    (r) => r.ref === 'HEAD' || r.ref.startsWith('refs/heads/') || r.ref.startsWith('refs/tags/'),
  );
  const wants: string[] = [];
  for (const oid of new Set(tips.map((r) => r.oid)))
    if ((await objectType(ctx, oid)) === undefined) wants.push(oid);
  await fetchPack(ctx, wants);
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

// Fetches what `wants` reach that the store lacks, offering the target's and the shared last commit as what
// it has; the new pack is streamed to disk and indexed there (upload-pack.ts), then the reader picks it up.
async function fetchPack(ctx: FetchContext, wants: string[]): Promise<void> {
  const haves: string[] = [];
  for (const ref of new Set([targetRef(ctx), LAST_REF])) {
    const last = await git.resolveRef({ fs, gitdir: ctx.gitdir, ref }).catch(() => undefined);
    if (last && !haves.includes(last) && (await objectType(ctx, last)) === 'commit') haves.push(last);
  }
  await uploadPack({ ...ctx, wants, haves, maxBytes: ctx.maxFetchBytes });
  await ctx.objects.refresh();
}
