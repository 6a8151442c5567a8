// The GitLab preview comment is found among the token user's own notes, oldest first, however long the thread.
import { afterEach, describe, expect, it } from 'vitest';
import { gitlabWriter } from '../../../src/status/gitlab.ts';
import { startGitLab, type GitLabFake } from '../../support/hosts/gitlab.ts';

const token = 'glpat-notes';
const marker = '<!-- gitops-agent preview: c/web -->';
let server: GitLabFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start() {
  server = await startGitLab({ token, id: 5, path: 'acme/deploy' });
  const writer = gitlabWriter(
    { provider: 'gitlab', apiUrl: `${server.url}/api/v4`, repository: 'acme/deploy' },
    async () => token,
  );
  return { server, writer };
}

describe('GitLab upsertComment', () => {
  it('edits its own note in place even after more than 100 newer notes', async () => {
    const { server, writer } = await start();
    await writer.upsertComment!(4, marker, `${marker}\nfirst`);
    for (let i = 0; i < 120; i++)
      server.comments.push({ id: 1000 + i, pull: 4, body: `review ${i}`, author: 7 });
    await writer.upsertComment!(4, marker, `${marker}\nsecond`);
    const ours = server.comments.filter((c) => c.body.includes(marker));
    expect(ours.map((c) => c.body)).toEqual([`${marker}\nsecond`]);
  });

  it('leaves a note of another user that quotes the marker alone', async () => {
    const { server, writer } = await start();
    server.comments.push({ id: 900, pull: 4, body: `> ${marker}\nwhy is this red?`, author: 7 });
    await writer.upsertComment!(4, marker, `${marker}\nverdict`);
    expect(server.comments.find((c) => c.id === 900)!.body).toBe(`> ${marker}\nwhy is this red?`);
    expect(server.comments.filter((c) => c.author === 1).map((c) => c.body)).toEqual([`${marker}\nverdict`]);
  });
});
