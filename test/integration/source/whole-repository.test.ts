// The source stage reads the whole repository, every file, for Kustomize and Helm; only the path's manifests else.
import { describe, expect, it } from 'vitest';
import { fetchSource } from '../../../src/source/source.ts';
import { textFiles, useSourceEnv } from '../../support/git-fixtures.ts';

const FILES = {
  'apps/prod/kustomization.yaml': 'resources: [../../base]\n',
  'apps/prod/notes.txt': 'n\n',
  'apps/plain/cm.yaml': 'kind: ConfigMap\n',
  'base/kustomization.yaml': 'resources: [cm.yaml]\n',
  'base/cm.yaml': 'kind: ConfigMap\n',
  'base/app.env': 'A=1\n',
  'README.md': '# r\n',
};

describe('fetchSource with wholeRepository', () => {
  const env = useSourceEnv('apps/prod');

  it('reads every file of the repository when a marker is directly under the path', async () => {
    const repo = await env.server.createRepo('whole');
    await repo.commit(FILES, 'layout');
    const snapshot = await fetchSource(env.options(repo.url, { wholeRepository: ['kustomization.yaml'] }));
    expect(textFiles(snapshot)).toEqual(FILES);
  });

  it('reads only the manifests under the path when no marker is there, or when told nothing', async () => {
    const repo = await env.server.createRepo('plain');
    await repo.commit(FILES, 'layout');
    const marked = await fetchSource(
      env.options(repo.url, { path: 'apps/plain', wholeRepository: ['kustomization.yaml'] }),
    );
    expect(Object.keys(textFiles(marked))).toEqual(['apps/plain/cm.yaml']);
    const untold = await fetchSource(env.options(repo.url));
    expect(Object.keys(textFiles(untold))).toEqual(['apps/prod/kustomization.yaml']);
    const always = await fetchSource(env.options(repo.url, { path: 'apps/plain', wholeRepository: true }));
    expect(Object.keys(textFiles(always)).sort()).toEqual(Object.keys(FILES).sort());
  });

  it('counts every file of the repository against maxFiles', async () => {
    const repo = await env.server.createRepo('limits');
    await repo.commit(FILES, 'layout');
    await expect(fetchSource(env.options(repo.url, { wholeRepository: true, maxFiles: 6 }))).rejects.toThrow(
      /^\.: more than 6 files in the repository$/,
    );
  });
});
