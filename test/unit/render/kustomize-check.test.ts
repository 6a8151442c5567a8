import { describe, expect, it } from 'vitest';
import { checkKustomizations, remoteOf } from '../../../src/render/kustomize-check.ts';
import type { SourceFile } from '../../../src/core/types.ts';

const K = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const files = (map: Record<string, string>): SourceFile[] =>
  Object.entries(map).map(([path, text]) => ({ path, content: Buffer.from(text) }));

describe('remoteOf', () => {
  it.each([
    ['git::https://Evil.example/o/r//app?ref=v1', 'https://evil.example'],
    ['GIT::HTTPS://evil.example:8443/o/r', 'https://evil.example:8443'],
    ['github.com:o/r//app', 'https://github.com'],
    ['GitHub.com/o/r', 'https://github.com'],
    ['https://user@git.example.com/o/r', 'https://git.example.com'],
    ['http://git.example.com/o/r', 'http://git.example.com'],
    ['git@github.com:o/r', 'ssh'],
    ['ssh://git@git.example.com/o/r', 'ssh'],
    ['git@git.example.com:o/r', 'ssh'],
    ['git.example.com/o/r', undefined],
    ['file:///srv/repo', undefined],
    ['https://user:token@git.example.com/o/r', undefined],
    ['missing', undefined],
  ])('%s → %s', (entry, origin) => {
    expect(remoteOf(entry)).toBe(origin);
  });
});

describe('checkKustomizations', () => {
  it('walks bases, components and a diamond once, in order', () => {
    const check = checkKustomizations(
      files({
        'app/kustomization.yaml': `${K}resources: [../a, ../b, cm.yaml]\ncomponents: [../comp]\n`,
        'app/cm.yaml': 'x',
        'a/kustomization.yaml': `${K}resources: [../base]\n`,
        'b/kustomization.yml': `${K}resources: [../base]\n`,
        'base/Kustomization': `${K}resources: [d.yaml]\n`,
        'base/d.yaml': 'x',
        'comp/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n',
      }),
      'app',
    );
    expect(check.kustomizations).toEqual([
      'app/kustomization.yaml',
      'a/kustomization.yaml',
      'base/Kustomization',
      'b/kustomization.yml',
      'comp/kustomization.yaml',
    ]);
  });

  it.each([
    ['resources: [../../etc]', 'resources: "../../etc" is outside the repository'],
    ['resources: [/etc]', 'resources: absolute path "/etc" is not allowed'],
    ['patches: [{ path: ../../x.yaml }]', 'patches: "../../x.yaml" is outside the repository'],
    [
      'configMapGenerator: [{ name: c, files: [k=../../../s] }]',
      'configMapGenerator: "../../../s" is outside',
    ],
    [
      'configMapGenerator: [{ name: c, envs: [/etc/environment] }]',
      'configMapGenerator: absolute path "/etc/environment"',
    ],
    ['helmCharts: [{ name: x }]', 'helmCharts need kustomize --enable-helm'],
    [
      'resources: [github.com/org/repo//deploy?ref=v1]',
      'remote base "github.com/org/repo//deploy?ref=v1" is not allowed',
    ],
    ['resources: ["https://example.com/x.yaml"]', 'remote base "https://example.com/x.yaml" is not allowed'],
    [
      'resources: ["git::https://evil.example/o/r"]',
      'remote base "git::https://evil.example/o/r" is not allowed',
    ],
    [
      'resources: ["GIT::HTTPS://evil.example/o/r"]',
      'remote base "GIT::HTTPS://evil.example/o/r" is not allowed',
    ],
    ['resources: ["github.com:o/r//app"]', 'remote base "github.com:o/r//app" is not allowed'],
    [
      'resources: ["https://user:token@git.example.com/o/r"]',
      'remote base "https://user:token@git.example.com/o/r" is not a URL kustomize\'s git could be allowed',
    ],
    ['resources: ["git::file:///srv/r"]', 'remote base "git::file:///srv/r" is not a URL'],
    [
      'configMapGenerator: [{ name: c, files: ["k=http://169.254.169.254/latest/meta-data"] }]',
      'configMapGenerator: "http://169.254.169.254/latest/meta-data" is a URL',
    ],
    ['patches: [{ path: "https://evil.example/p.yaml" }]', 'patches: "https://evil.example/p.yaml" is a URL'],
    [
      'patchesStrategicMerge: ["HTTP://evil.example/p"]',
      'patchesStrategicMerge: "HTTP://evil.example/p" is a URL',
    ],
    ['crds: ["https://evil.example/crd.yaml"]', 'crds: "https://evil.example/crd.yaml" is a URL'],
    ['transformers: ["https://evil.example/t.yaml"]', 'transformers: "https://evil.example/t.yaml" is a URL'],
  ])('refuses %s', (body, message) => {
    expect(() => checkKustomizations(files({ 'app/kustomization.yaml': `${K}${body}\n` }), 'app')).toThrow(
      `app/kustomization.yaml: ${message}`,
    );
  });

  it('allows a remote base only from an allowed host, and reports the host', () => {
    const remote = files({
      'app/kustomization.yaml': `${K}resources: [https://git.example.com/o/r//app?ref=v1&submodules=false]\n`,
    });
    expect(() =>
      checkKustomizations(remote, 'app', { allowRemote: true, allowedHosts: ['github.com'] }),
    ).toThrow('host git.example.com is not in kustomize.allowedHosts (github.com)');
    const allowed = { allowRemote: true, allowedHosts: ['git.example.com', 'github.com'] };
    expect(checkKustomizations(remote, 'app', allowed).remoteOrigins).toEqual(['https://git.example.com']);
    const ssh = files({ 'app/kustomization.yaml': `${K}resources: [git@github.com:o/r.git//app]\n` });
    expect(() => checkKustomizations(ssh, 'app', allowed)).toThrow(
      'only http(s) remote bases can be fetched',
    );
    const bare = files({
      'app/kustomization.yaml': `${K}resources: [github.com/o/r//app?ref=v1&submodules=0]\n`,
    });
    expect(checkKustomizations(bare, 'app', allowed).remoteOrigins).toEqual(['https://github.com']);
  });

  it.each([
    'https://git.example.com/o/r//app?ref=v1',
    'https://git.example.com/o/r//app?ref=v1&submodules=true',
    'https://git.example.com/o/r//app?submodules=no',
    'https://git.example.com/o/r//app?submodules=false;x=1',
  ])('refuses an allowed remote base that keeps submodules on: %s', (entry) => {
    const remote = files({ 'app/kustomization.yaml': `${K}resources: ["${entry}"]\n` });
    expect(() =>
      checkKustomizations(remote, 'app', { allowRemote: true, allowedHosts: ['git.example.com'] }),
    ).toThrow(`app/kustomization.yaml: remote base "${entry}": add submodules=false to its query`);
  });

  it('leaves a missing local path to kustomize, which names it, with no remote origin', () => {
    const check = checkKustomizations(
      files({ 'app/kustomization.yaml': `${K}resources: [missing.yaml, example.com/o/r]\n` }),
      'app',
    );
    expect(check.remoteOrigins).toEqual([]);
  });

  it.each([
    ['PatchTransformer', 'path: http://169.254.169.254/latest/meta-data'],
    ['PatchStrategicMergeTransformer', 'paths: [p.yaml, "HTTPS://evil.example/p"]'],
    ['ConfigMapGenerator', 'files: ["k=https://evil.example/f"]'],
    ['ReplacementTransformer', 'replacements: [{ path: "https://evil.example/r" }]'],
  ])('refuses a URL in the config of a builtin %s, inline or in a file', (kind, body) => {
    const config = `apiVersion: builtin\nkind: ${kind}\nmetadata:\n  name: p\n${body}\n`;
    for (const [kustomization, extra] of [
      [`${K}transformers: [t.yaml]\n`, { 'app/t.yaml': config }],
      [`${K}transformers:\n  - |\n${config.replace(/^/gm, '    ')}`, {}],
    ] as const)
      expect(() =>
        checkKustomizations(files({ 'app/kustomization.yaml': kustomization, ...extra }), 'app'),
      ).toThrow(`${kind}: "`);
  });

  it('treats a local directory that looks like a host name as local', () => {
    const local = files({
      'app/kustomization.yaml': `${K}resources: [example.com/base]\n`,
      'app/example.com/base/kustomization.yaml': `${K}`,
    });
    expect(checkKustomizations(local, 'app').kustomizations).toContain(
      'app/example.com/base/kustomization.yaml',
    );
  });

  it('names the kustomization that closes a loop', () => {
    const loop = files({
      'a/kustomization.yaml': `${K}resources: [../b]\n`,
      'b/kustomization.yaml': `${K}resources: [../c]\n`,
      'c/kustomization.yaml': `${K}resources: [../a]\n`,
    });
    expect(() => checkKustomizations(loop, 'a')).toThrow(
      'c/kustomization.yaml: kustomization loops: a → b → c → a',
    );
  });

  it('refuses exec, container and Go plugins but allows builtin ones, inline or in a file', () => {
    const withGen = (gen: string) =>
      files({ 'app/kustomization.yaml': `${K}generators: [gen.yaml]\n`, 'app/gen.yaml': gen });
    expect(() =>
      checkKustomizations(
        withGen('apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata: { name: x }\n'),
        'app',
      ),
    ).toThrow(
      'app/gen.yaml: an external plugin (someteam.example.com/v1/ChartInflator) used by app/kustomization.yaml',
    );
    expect(() =>
      checkKustomizations(
        withGen(
          'apiVersion: v1\nkind: X\nmetadata:\n  annotations:\n    config.kubernetes.io/function: "container: {image: evil}"\n',
        ),
        'app',
      ),
    ).toThrow('a KRM function (config.kubernetes.io/function)');
    const builtin =
      'apiVersion: builtin\nkind: LabelTransformer\nmetadata: { name: l }\nlabels: { a: b }\nfieldSpecs: []\n';
    expect(checkKustomizations(withGen(builtin), 'app').kustomizations).toEqual(['app/kustomization.yaml']);
    const inline = files({
      'app/kustomization.yaml': `${K}transformers:\n  - |\n    apiVersion: example.com/v1\n    kind: Exec\n    metadata: { name: e }\n`,
    });
    expect(() => checkKustomizations(inline, 'app')).toThrow('an external plugin (example.com/v1/Exec)');
  });

  it('refuses a kustomization that is not a mapping, naming it', () => {
    expect(() => checkKustomizations(files({ 'kustomization.yaml': '- a\n' }), '')).toThrow(
      'kustomization.yaml: a kustomization must be a mapping',
    );
  });
});
