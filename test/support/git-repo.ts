// A native-git working clone that pushes commits, tags and branches to a repository on the test Git server.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git, type GitCredentials } from './git-cli.ts';

/** Content of one path in a commit: text, bytes, `null` to delete, a symlink, or a gitlink (submodule). */
export type FileSpec = string | Uint8Array | null | { symlink: string } | { gitlink: string };

/** A repository on the test server, driven through a native-git working clone. */
export interface Repo {
  name: string;
  url: string;
  /** Writes the files, commits them and pushes to `main`; resolves with the new commit SHA. */
  commit(files: Record<string, FileSpec>, message: string): Promise<string>;
  /** Reverts one commit on `main` and pushes; resolves with the new commit SHA. */
  revert(sha: string): Promise<string>;
  /** Resets `main` to `sha` and force-pushes it. */
  forcePush(sha: string): Promise<void>;
  /** Creates (or moves) a tag at `sha` (default HEAD) and pushes it; annotated tags are real tag objects. */
  tag(name: string, sha?: string, opts?: { annotated?: boolean }): Promise<void>;
  /** Creates (or moves) a branch at `sha` (default HEAD) on the server. */
  branch(name: string, sha?: string): Promise<void>;
  /** The commit `main` points at. */
  head(): Promise<string>;
  /** Removes the working clone. */
  dispose(): Promise<void>;
}

/** Creates an empty working clone in a temp dir whose `origin` is `url`. */
export async function openWorkingClone(name: string, url: string, auth?: GitCredentials): Promise<Repo> {
  const dir = await mkdtemp(join(tmpdir(), `gitops-work-${name}-`));
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  await git(dir, ['remote', 'add', 'origin', url]);
  const run = (args: string[]): Promise<string> => git(dir, args, auth);
  const head = (): Promise<string> => run(['rev-parse', 'HEAD']);
  const pushMain = async (force = false): Promise<string> => {
    await run(['push', '--quiet', ...(force ? ['--force'] : []), 'origin', 'HEAD:refs/heads/main']);
    return head();
  };

  return {
    name,
    url,
    async commit(files, message) {
      const plain: string[] = [];
      for (const [path, spec] of Object.entries(files)) {
        const target = join(dir, path);
        await rm(target, { recursive: true, force: true });
        if (spec !== null && typeof spec === 'object' && 'gitlink' in spec) {
          await run(['update-index', '--add', '--cacheinfo', `160000,${spec.gitlink},${path}`]);
          continue;
        }
        plain.push(path);
        if (spec === null) continue;
        await mkdir(dirname(target), { recursive: true });
        if (typeof spec === 'object' && 'symlink' in spec) await symlink(spec.symlink, target);
        else await writeFile(target, spec);
      }
      if (plain.length > 0) await run(['add', '--all', '--', ...plain]);
      await run(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message]);
      return pushMain();
    },
    async revert(sha) {
      await run(['revert', '--no-edit', sha]);
      return pushMain();
    },
    async forcePush(sha) {
      await run(['reset', '--quiet', '--hard', sha]);
      await pushMain(true);
    },
    async tag(tagName, sha, opts) {
      const annotated = opts?.annotated ? ['-a', '-m', `tag ${tagName}`] : [];
      await run(['tag', '--force', ...annotated, tagName, sha ?? 'HEAD']);
      await run(['push', '--quiet', '--force', 'origin', `refs/tags/${tagName}`]);
    },
    async branch(branchName, sha) {
      await run(['push', '--quiet', '--force', 'origin', `${sha ?? 'HEAD'}:refs/heads/${branchName}`]);
    },
    head,
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
