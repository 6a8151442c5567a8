// A real smart-HTTP Git server for tests: Node's http server running `git http-backend` as CGI on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { basicAuthHeader, git, gitEnv, type GitCredentials } from './git-cli.ts';
import { openWorkingClone, type Repo } from './git-repo.ts';

export type { FileSpec, Repo } from './git-repo.ts';

/** One HTTP request the server received, recorded before authentication. */
export interface GitRequest {
  method: string;
  /** URL path, e.g. `/app.git/git-upload-pack`. */
  path: string;
  query: string;
  /** Whether the request body came gzip-compressed (native git compresses large fetch negotiations). */
  gzip: boolean;
  /** Bytes git http-backend has written for this request so far, CGI head included. */
  responseBytes: number;
}

/** A running test Git server with helpers to create and change repositories. */
export interface GitServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received so far, in order. */
  requests: GitRequest[];
  /** Lines git http-backend wrote to stderr, for debugging failed tests. */
  log: string[];
  /** URL of the repository `name`, e.g. `http://127.0.0.1:41234/app.git`. */
  repoUrl(name: string): string;
  /** Creates an empty bare repository that accepts pushes, with a working clone to drive it. */
  createRepo(name: string): Promise<Repo>;
  /** Stops the server, kills running backends and removes every temp dir. */
  close(): Promise<void>;
}

/** Starts a Git server on 127.0.0.1 (random port) serving bare repos from a fresh temp dir. */
export async function startGitServer(opts?: { auth?: GitCredentials }): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'gitops-git-root-'));
  const children = new Set<ChildProcess>();
  const repos: Repo[] = [];
  const requests: GitRequest[] = [];
  const log: string[] = [];
  const expected = opts?.auth ? basicAuthHeader(opts.auth) : undefined;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: GitRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      gzip: req.headers['content-encoding'] === 'gzip',
      responseBytes: 0,
    };
    requests.push(record);
    if (expected !== undefined && req.headers.authorization !== expected) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const env = cgiEnv(req, url, root, opts?.auth?.username);
    runCgi(req, res, env, { children, log, record });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const repoUrl = (name: string): string => `${base}/${name}.git`;

  return {
    url: base,
    requests,
    log,
    repoUrl,
    async createRepo(name) {
      const bare = join(root, `${name}.git`);
      await git(root, ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
      await git(bare, ['config', 'http.receivepack', 'true']);
      const repo = await openWorkingClone(name, repoUrl(name), opts?.auth);
      repos.push(repo);
      return repo;
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(repos.map((r) => r.dispose()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

function cgiEnv(req: IncomingMessage, url: URL, root: string, user: string | undefined): NodeJS.ProcessEnv {
  const gzip = req.headers['content-encoding'] === 'gzip';
  const env: NodeJS.ProcessEnv = {
    ...gitEnv(),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: user ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  // The body is gunzipped here, so its length is only known to git by reading to EOF.
  if (!gzip && req.headers['content-length'] !== undefined)
    env['CONTENT_LENGTH'] = req.headers['content-length'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
  return env;
}

function runCgi(
  req: IncomingMessage,
  res: ServerResponse,
  env: NodeJS.ProcessEnv,
  { children, log, record }: { children: Set<ChildProcess>; log: string[]; record: GitRequest },
): void {
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('close', () => children.delete(child));
  child.on('error', (err) => log.push(`spawn failed: ${err.message}`));
  child.stderr.on('data', (chunk: Buffer) => log.push(chunk.toString().trimEnd()));
  res.once('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const body = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
  body.on('error', () => child.kill('SIGKILL'));
  child.stdin.on('error', () => undefined); // the backend may exit before reading the whole body
  body.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    record.responseBytes += chunk.byteLength;
    if (sent) return;
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (!parsed) return;
    sent = true;
    res.writeHead(parsed.status, parsed.headers);
    res.write(parsed.rest);
    child.stdout.pipe(res);
  });
  child.stdout.once('end', () => {
    if (sent) return;
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('git http-backend produced no CGI header\n');
  });
}

function parseCgiHead(
  buf: Buffer,
): { status: number; headers: OutgoingHttpHeaders; rest: Buffer } | undefined {
  const text = buf.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return undefined;
  const headers: OutgoingHttpHeaders = {};
  let status = 200;
  for (const line of text.slice(0, match.index).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, rest: buf.subarray(match.index + match[0].length) };
}
