// Each host's payloads, as its docs show them, read into the same union: pushes (incl. tags and deletes)
// and pull requests; field names follow the hosts' documented payloads.
import { describe, expect, it } from 'vitest';
import type { WebhookParser } from '../../../../src/agent/webhooks/event.ts';
import { azureDevOps } from '../../../../src/agent/webhooks/providers/azure.ts';
import { bitbucketCloud, bitbucketServer } from '../../../../src/agent/webhooks/providers/bitbucket.ts';
import { gitea } from '../../../../src/agent/webhooks/providers/gitea.ts';
import { github } from '../../../../src/agent/webhooks/providers/github.ts';
import { gitlab } from '../../../../src/agent/webhooks/providers/gitlab.ts';

const SHA = 'c'.repeat(40);
const ZERO = '0'.repeat(40);

function parse(parser: WebhookParser, headers: Record<string, string>, payload: unknown) {
  return parser.parse({ headers, body: Buffer.from(JSON.stringify(payload)) }, payload);
}

describe('webhook payloads', () => {
  it('GitHub: a deleted branch moves nothing; a merged pull request is "merged"', () => {
    const repo = {
      clone_url: 'https://github.com/a/b.git',
      html_url: 'https://github.com/a/b',
      ssh_url: 'git@github.com:a/b.git',
    };
    expect(
      parse(
        github,
        { 'x-github-event': 'push' },
        { ref: 'refs/heads/x', after: ZERO, deleted: true, repository: repo },
      ),
    ).toEqual({
      kind: 'push',
      repoUrls: [repo.clone_url, repo.html_url, repo.ssh_url],
      changes: [{ ref: 'refs/heads/x', after: undefined }],
    });
    const pr = {
      action: 'closed',
      number: 3,
      pull_request: { merged: true, head: { sha: SHA, ref: 'f' }, base: { ref: 'main' } },
      repository: repo,
    };
    expect(parse(github, { 'x-github-event': 'pull_request' }, pr)).toMatchObject({
      kind: 'pull-request',
      action: 'merged',
      number: 3,
    });
    expect(parse(github, { 'x-github-event': 'issues' }, {})).toEqual({ kind: 'other', event: 'issues' });
  });

  it('Gitea and Forgejo: the most specific event header wins; "synchronized" is an update', () => {
    const pr = {
      action: 'synchronized',
      number: 9,
      pull_request: { head: { sha: SHA, ref: 'f' }, base: { ref: 'main' } },
      repository: { clone_url: 'http://h/o/r.git' },
    };
    expect(
      parse(
        gitea,
        { 'x-forgejo-event': 'pull_request', 'x-gitea-event': 'pull_request', 'x-github-event': 'push' },
        pr,
      ),
    ).toMatchObject({
      kind: 'pull-request',
      action: 'updated',
      headSha: SHA,
      baseRef: 'main',
    });
  });

  it('GitLab: a tag push and a merge request hook', () => {
    const project = {
      git_http_url: 'https://gl/g/s/p.git',
      git_ssh_url: 'git@gl:g/s/p.git',
      web_url: 'https://gl/g/s/p',
    };
    expect(
      parse(
        gitlab,
        { 'x-gitlab-event': 'Tag Push Hook' },
        { ref: 'refs/tags/v1', after: SHA, checkout_sha: SHA, project },
      ),
    ).toEqual({
      kind: 'push',
      repoUrls: [project.git_http_url, project.git_ssh_url, project.web_url],
      changes: [{ ref: 'refs/tags/v1', after: SHA }],
    });
    const mr = {
      object_attributes: {
        iid: 4,
        action: 'update',
        last_commit: { id: SHA },
        source_branch: 'f',
        target_branch: 'main',
      },
      project,
    };
    expect(parse(gitlab, { 'x-gitlab-event': 'Merge Request Hook' }, mr)).toMatchObject({
      kind: 'pull-request',
      number: 4,
      action: 'updated',
      headRef: 'f',
    });
  });

  it('Bitbucket Cloud: several changes in one push, a tag among them; a pull request', () => {
    const push = {
      push: {
        changes: [
          { new: { type: 'branch', name: 'main', target: { hash: SHA } } },
          { new: { type: 'tag', name: 'v2', target: { hash: SHA } } },
          { new: null, old: { type: 'branch', name: 'gone' } },
        ],
      },
      repository: { links: { html: { href: 'https://bitbucket.org/ws/repo' } } },
    };
    expect(parse(bitbucketCloud, { 'x-event-key': 'repo:push' }, push)).toEqual({
      kind: 'push',
      repoUrls: ['https://bitbucket.org/ws/repo'],
      changes: [
        { ref: 'refs/heads/main', after: SHA },
        { ref: 'refs/tags/v2', after: SHA },
        { ref: 'refs/heads/gone', after: undefined },
      ],
    });
    const pr = {
      pullrequest: {
        id: 5,
        source: { branch: { name: 'f' }, commit: { hash: 'abc123' } },
        destination: { branch: { name: 'main' } },
      },
      repository: push.repository,
    };
    expect(parse(bitbucketCloud, { 'x-event-key': 'pullrequest:fulfilled' }, pr)).toMatchObject({
      kind: 'pull-request',
      action: 'merged',
      headSha: 'abc123',
    });
  });

  it('Bitbucket Data Center: a deleted ref, a ping, a pull request', () => {
    const repository = {
      links: {
        clone: [
          { href: 'https://bb/scm/k/r.git', name: 'http' },
          { href: 'ssh://git@bb:7999/k/r.git', name: 'ssh' },
        ],
      },
    };
    const changes = [{ ref: { id: 'refs/heads/old' }, toHash: ZERO, type: 'DELETE' }];
    expect(parse(bitbucketServer, { 'x-event-key': 'repo:refs_changed' }, { repository, changes })).toEqual({
      kind: 'push',
      repoUrls: ['https://bb/scm/k/r.git', 'ssh://git@bb:7999/k/r.git'],
      changes: [{ ref: 'refs/heads/old', after: undefined }],
    });
    expect(parse(bitbucketServer, { 'x-event-key': 'diagnostics:ping' }, {})).toEqual({ kind: 'ping' });
    const pr = {
      pullRequest: {
        id: 2,
        fromRef: { displayId: 'f', latestCommit: SHA },
        toRef: { displayId: 'main', repository },
      },
    };
    expect(parse(bitbucketServer, { 'x-event-key': 'pr:from_ref_updated' }, pr)).toMatchObject({
      kind: 'pull-request',
      action: 'updated',
      number: 2,
    });
  });

  it('Azure DevOps: a push and a completed pull request, branch names without refs/heads/', () => {
    const repository = { remoteUrl: 'https://org@dev.azure.com/org/p/_git/r' };
    expect(
      parse(
        azureDevOps,
        {},
        {
          eventType: 'git.push',
          resource: { refUpdates: [{ name: 'refs/heads/main', newObjectId: SHA }], repository },
        },
      ),
    ).toEqual({
      kind: 'push',
      repoUrls: [repository.remoteUrl],
      changes: [{ ref: 'refs/heads/main', after: SHA }],
    });
    const pr = {
      eventType: 'git.pullrequest.updated',
      resource: {
        pullRequestId: 8,
        status: 'completed',
        sourceRefName: 'refs/heads/f',
        targetRefName: 'refs/heads/main',
        lastMergeSourceCommit: { commitId: SHA },
        repository,
      },
    };
    expect(parse(azureDevOps, {}, pr)).toMatchObject({
      kind: 'pull-request',
      action: 'merged',
      headRef: 'f',
      baseRef: 'main',
    });
  });
});
