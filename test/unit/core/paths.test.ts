import { describe, expect, it } from 'vitest';
import { normalizeRepoPath } from '../../../src/core/paths.ts';
import { selectFiles } from '../../../src/render/render.ts';
import { file } from '../render/helpers.ts';

describe('normalizeRepoPath', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['m', 'm'],
    ['./m/./', 'm'],
    ['m/.', 'm'],
    ['m/', 'm'],
    ['a//b', 'a/b'],
    ['./a/./b//c/', 'a/b/c'],
    [' apps ', 'apps'],
  ])('%j is %j', (path, expected) => {
    expect(normalizeRepoPath(path)).toBe(expected);
  });

  it.each(['/etc', '../up', 'a/../../b', 'a/..'])('refuses %j', (path) => {
    expect(() => normalizeRepoPath(path)).toThrow(
      `path "${path}" must be relative and stay inside the repository`,
    );
  });
});

describe('selectFiles uses the same normaliser as the source stage', () => {
  it.each(['./m/./', 'm/.', 'm//', 'm'])('path %j selects the files under m', (path) => {
    const files = ['m/a.yaml', 'm/sub/b.yaml', 'other/c.yaml'].map((p) => file(p, ''));
    expect(selectFiles(files, path).map((f) => f.path)).toEqual(['m/a.yaml', 'm/sub/b.yaml']);
  });

  it('selects a nested path written with a double slash', () => {
    const files = ['a/b/x.yaml', 'a/c/y.yaml'].map((p) => file(p, ''));
    expect(selectFiles(files, 'a//b').map((f) => f.path)).toEqual(['a/b/x.yaml']);
  });
});
