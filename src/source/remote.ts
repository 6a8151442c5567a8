import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as git from 'isomorphic-git';
import type { GitHttpResponse, HttpClient, ServerRef } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { raceAbort } from '../core/abort.ts';
import { AgentError } from '../core/errors.ts';
import { markRemote } from './errors.ts';
import { withStandInHead } from './advertisement.ts';

/** A ref on the remote, resolved to the full name and the commit it (or its annotated tag) points at. */
export interface RemoteRef {
  /** Full ref name, e.g. `refs/heads/main` or `refs/tags/v1`. */
  name: string;
  /** The object the ref points at: a commit, or an annotated tag object. */
  oid: string;
  /** The commit an annotated tag peels to, when the server says so. */
  peeled: string | undefined;
}

// Node's global agents time sockets out after 5 s of silence, which kills clones while the server is still
// packing (https://github.com/nodejs/node/pull/43522); agents without a timeout rely on the call's deadline.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The isomorphic-git Node HTTP client with keep-alive agents, bound to one deadline `signal`. */
export function createHttpClient(signal: AbortSignal): HttpClient {
  return {
    async request(req) {
      const agent = req.url.startsWith('https:') ? agents.https : agents.http;
      const res: GitHttpResponse = await nodeHttp
        .request({ ...req, agent, signal })
        .catch((err: unknown) => Promise.reject(markRemote(err)));
      if (!res.body) return res;
      const body = abortable(res.body, signal);
      if (res.statusCode !== 200 || !/\/info\/refs\?service=git-upload-pack$/.test(req.url))
        return { ...res, body };
      // The ref advertisement is small (one line per ref) and is read whole anyway.
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return { ...res, body: once(withStandInHead(Buffer.concat(chunks))) };
    },
  };
}

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

// The plugin's body iterator can wait forever on a stalled or failed stream
// (https://github.com/isomorphic-git/isomorphic-git/issues/1439), so every read races the deadline.
async function* abortable(
  body: AsyncIterableIterator<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      const next = await raceAbort(body.next(), signal).catch((err: unknown) =>
        Promise.reject(markRemote(err)),
      );
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await body.return?.();
  }
}

/** Lists the remote's refs with one GET of the v1 ref advertisement (v2 would need a POST). */
export async function listRemoteRefs(args: {
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
}): Promise<ServerRef[]> {
  return git.listServerRefs({ ...args, protocolVersion: 1, peelTags: true });
}

/** Finds `ref` among the remote refs: a full ref name, else a branch, else a tag; ambiguity is an error. */
export function resolveRemoteRef(refs: readonly ServerRef[], ref: string, url: string): RemoteRef {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const candidates = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  const found = candidates.map((name) => byName.get(name)).filter((r): r is ServerRef => r !== undefined);
  const [first, second] = found;
  if (first && second) {
    throw new AgentError(
      'source',
      `ref "${ref}" is both a branch and a tag in ${url}; use refs/heads/${ref} or refs/tags/${ref}`,
      { retryable: true },
    );
  }
  if (first) return { name: first.ref, oid: first.oid, peeled: first.peeled };
  if (/^[0-9a-f]{4,39}$/i.test(ref)) {
    const message = `ref "${ref}" looks like an abbreviated commit SHA; use the full 40-hex SHA`;
    throw new AgentError('source', message, { retryable: false });
  }
  // The ref may be pushed later, so not finding it is worth retrying.
  throw new AgentError('source', `ref "${ref}" not found in ${url} (no branch or tag of that name)`, {
    retryable: true,
  });
}
