// Runs the native git binary for test fixtures with an isolated, prompt-free environment.
import { execFile } from 'node:child_process';

/** Basic-auth credentials a fixture sends to the test Git server. */
export interface GitCredentials {
  username: string;
  password: string;
}

/** The value of a `Basic` Authorization header for the given credentials. */
export function basicAuthHeader(auth: GitCredentials): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** Environment for git children: no user or system config, no prompts, credentials via config env vars. */
export function gitEnv(auth?: GitCredentials): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    LC_ALL: 'C',
  };
  if (auth) {
    // An extra header in the environment keeps the secret out of argv and out of stored remote URLs.
    env['GIT_CONFIG_COUNT'] = '1';
    env['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
    env['GIT_CONFIG_VALUE_0'] = `Authorization: ${basicAuthHeader(auth)}`;
  }
  return env;
}

const identity = ['-c', 'user.name=GitOps Test', '-c', 'user.email=gitops-test@example.com'];

/** Runs `git <args>` in `cwd` and resolves with trimmed stdout; rejects with stderr on failure. */
export function git(cwd: string, args: string[], auth?: GitCredentials): Promise<string> {
  const argv = [...identity, '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args];
  return new Promise((resolve, reject) => {
    execFile('git', argv, { cwd, env: gitEnv(auth), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
