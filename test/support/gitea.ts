// A real Gitea for tests (built by test/tools/build.sh gitea): sqlite, loopback only, an admin and its token,
// and helpers for what the tests do on a Git host: create a repository, push, add a webhook, read statuses.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessSet, freePorts, logTail } from '../cluster/processes.ts';
import { openWorkingClone, type Repo } from './git-repo.ts';

const run = promisify(execFile);
const BUILD = join(import.meta.dirname, '..', 'tools', 'build.sh');

/** The admin the server is created with; `token` has every scope. */
export interface GiteaAdmin {
  username: string;
  password: string;
  token: string;
}

/** A repository on the Gitea, with a native-git working clone that pushes to it with the admin's token. */
export interface GiteaRepo extends Repo {
  /** `owner/name`. */
  fullName: string;
}

/** A commit status as Gitea returns it (the request field `state` comes back as `status`). */
export interface GiteaStatus {
  id: number;
  status: string;
  context: string;
  description: string;
  target_url: string;
  created_at: string;
}

/** A webhook to add: where to deliver, the secret Gitea signs with, and the events (default `push`). */
export interface GiteaHookSpec {
  url: string;
  secret: string;
  events?: string[];
  /** Gitea's hook type; default `gitea`. */
  type?: 'gitea' | 'gogs' | 'gitlab' | 'slack';
}

/** A running Gitea; stop() kills its process group and deletes its files. */
export interface Gitea {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  admin: GiteaAdmin;
  /** Calls the REST API under `/api/v1` with the admin's token; throws on a status outside 2xx, naming it. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates a repository owned by the admin (empty, default branch `main`) and a working clone of it. */
  createRepo(name: string): Promise<GiteaRepo>;
  /** Adds a webhook on `owner/name`; returns its id. */
  addWebhook(fullName: string, hook: GiteaHookSpec): Promise<number>;
  /** Every status of the commit, newest first. */
  statuses(fullName: string, sha: string): Promise<GiteaStatus[]>;
  /** Gitea's own log, last lines, for failed tests. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Path of the Gitea binary; builds it if the cache has none (minutes, so CI builds it beforehand). */
export async function giteaBinary(): Promise<string> {
  const { stdout } = await run('bash', [BUILD, 'gitea'], { maxBuffer: 16 << 20, timeout: 3_600_000 });
  return stdout.trim().split('\n').pop() ?? '';
}

/** Starts Gitea on a free loopback port in a fresh temp directory and creates the admin and its token. */
export async function startGitea(opts: { log?: (line: string) => void } = {}): Promise<Gitea> {
  const bin = await giteaBinary();
  const started = performance.now();
  // Under os.tmpdir() so .ci/run's leftover check (GITOPS_TESTENV_RUN=$TMPDIR/…) sees any process left behind.
  const dir = mkdtempSync(join(tmpdir(), 'gitops-gitea-'));
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const conf = join(dir, 'app.ini');
  writeFileSync(conf, appIni({ dir, port: port!, staticRoot: join(dirname(bin), 'static') }));
  const procs = new ProcessSet(dir, [dir]);
  procs.startWatchdog();
  const cli = (args: string[]) =>
    run(bin, [...args, '--config', conf, '--work-path', dir], {
      env: { ...process.env, GITOPS_TESTENV_RUN: dir },
      timeout: 120_000,
    });
  const admin = { username: 'gitops', password: randomBytes(12).toString('hex'), token: '' };
  try {
    await cli(['migrate']);
    await cli(
      ['admin', 'user', 'create', '--username', admin.username, '--password', admin.password].concat([
        '--email',
        'gitops@example.com',
        '--admin',
        '--must-change-password=false',
      ]),
    );
    const web = procs.spawn('gitea', bin, ['web', '--config', conf, '--work-path', dir]);
    await waitReady(url, () => procs.assertRunning());
    admin.token = await createToken(url, admin);
    opts.log?.(
      `gitea ready in ${((performance.now() - started) / 1000).toFixed(1)}s at ${url} (pid ${web.pid})`,
    );
  } catch (err) {
    await procs.stop();
    throw err;
  }
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { Authorization: `token ${admin.token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`gitea ${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const clones: Repo[] = [];
  return {
    url,
    admin,
    api,
    async createRepo(name) {
      await api('POST', '/user/repos', { name, default_branch: 'main', private: false, auto_init: false });
      const fullName = `${admin.username}/${name}`;
      const clone = await openWorkingClone(name, `${url}/${fullName}.git`, {
        username: admin.username,
        password: admin.token,
      });
      clones.push(clone);
      return { ...clone, fullName };
    },
    async addWebhook(fullName, hook) {
      const created = await api<{ id: number }>('POST', `/repos/${fullName}/hooks`, {
        type: hook.type ?? 'gitea',
        active: true,
        events: hook.events ?? ['push'],
        config: { url: hook.url, content_type: 'json', secret: hook.secret },
      });
      return created.id;
    },
    // Sorted here: the list endpoint's own order depends on its `sort` parameter's vocabulary.
    statuses: async (fullName, sha) =>
      (await api<GiteaStatus[]>('GET', `/repos/${fullName}/commits/${sha}/statuses?limit=50`)).sort(
        (a, b) => b.id - a.id,
      ),
    logTail: (lines) => logTail(join(dir, 'gitea.log'), lines),
    async stop() {
      await Promise.all(clones.map((c) => c.dispose()));
      await procs.stop();
    },
  };
}

// Loopback only, no SSH, no mail, no indexers; `[queue] TYPE = channel` delivers webhooks within a second
// (the default persistent queue took several), and ALLOWED_HOST_LIST lets them reach 127.0.0.1.
function appIni(o: { dir: string; port: number; staticRoot: string }): string {
  return `APP_NAME = gitops-agent tests
RUN_MODE = prod
WORK_PATH = ${o.dir}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${o.port}
ROOT_URL = http://127.0.0.1:${o.port}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${o.staticRoot}
APP_DATA_PATH = ${o.dir}/data

[database]
DB_TYPE = sqlite3
PATH = ${o.dir}/gitea.db

[security]
INSTALL_LOCK = true
SECRET_KEY = ${randomBytes(32).toString('hex')}
INTERNAL_TOKEN = ${randomBytes(40).toString('base64url')}
PASSWORD_HASH_ALGO = pbkdf2_hi

[oauth2]
ENABLED = false

[repository]
ROOT = ${o.dir}/repos
DEFAULT_BRANCH = main

[service]
DISABLE_REGISTRATION = true

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[queue]
TYPE = channel

[webhook]
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 5

[cron]
ENABLED = false

[log]
MODE = console
LEVEL = Info
ROOT_PATH = ${o.dir}/log
logger.router.MODE =
logger.access.MODE =
`;
}

async function waitReady(url: string, check: () => void): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    check();
    const ok = await fetch(`${url}/api/v1/version`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gitea did not answer ${url}/api/v1/version within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createToken(url: string, admin: Omit<GiteaAdmin, 'token'>): Promise<string> {
  const basic = Buffer.from(`${admin.username}:${admin.password}`).toString('base64');
  const res = await fetch(`${url}/api/v1/users/${admin.username}/tokens`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'tests', scopes: ['all'] }),
  });
  const body = (await res.json()) as { sha1?: string; message?: string };
  if (!res.ok || !body.sha1) throw new Error(`gitea: creating a token failed: ${res.status} ${body.message}`);
  return body.sha1;
}
