import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_OPTIONS } from '../../../src/source/options.ts';
import { getLive, useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';

const suite = useSyncFixtures();

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

/** Syncs a good baseline (a, b), then applies `bad` on top: a changes, b goes, c arrives, plus the bad content. */
async function badCommit(prefix: string, bad: Parameters<SyncFixture['repo']['commit']>[0]) {
  const fx = await suite.fixture(prefix);
  await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'one'), 'deploy/b.yaml': cm('b', 'one') }, 'baseline');
  expect((await fx.sync()).outcome).toBe('synced');
  await fx.repo.commit(
    { 'deploy/a.yaml': cm('a', 'two'), 'deploy/b.yaml': null, 'deploy/c.yaml': cm('c', 'two'), ...bad },
    'bad',
  );
  const r = await fx.sync();
  // Nothing applied, nothing pruned: the cluster still holds the baseline.
  expect(r.outcome).toBe('failed');
  // Dry-runs may have run; no write did.
  expect(r.requests.APPLY ?? 0).toBe(0);
  expect(r.requests.JSONPATCH ?? 0).toBe(0);
  expect(r.methods.DELETE ?? 0).toBe(0);
  expect(await getLive('configmap', 'a', fx.namespace)).toMatchObject({ data: { value: 'one' } });
  expect(await getLive('configmap', 'b', fx.namespace)).toMatchObject({ data: { value: 'one' } });
  expect(await getLive('configmap', 'c', fx.namespace)).toBeUndefined();
  return r;
}

describe('a bad commit changes nothing', () => {
  it('names file and line of one malformed YAML document among good ones', async () => {
    const r = await badCommit('malformed', {
      'deploy/multi.yaml': `${cm('d', 'ok')}---\n${cm('e', 'ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata:\n  key: [unclosed\n`,
    });
    expect(r.error?.stage).toBe('render');
    // The parser notices the unclosed sequence at the end of the file, in the third document.
    expect(r.error?.message).toMatch(/deploy\/multi\.yaml:2[01] \(document 3\): YAML syntax error/);
    expect(r.error?.retryable).toBe(false);
  });

  it('names the object and its file when a document lacks a name', async () => {
    const r = await badCommit('noname', {
      'deploy/noname.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n',
    });
    expect(r.error?.stage).toBe('render');
    expect(r.error?.message).toMatch(/deploy\/noname\.yaml:1/);
    expect(r.error?.message).toMatch(/metadata\.name/);
  });

  it('refuses a YAML alias bomb', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(
        `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
      );
    }
    const r = await badCommit('bomb', {
      'deploy/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  ${lines.join('\n  ')}\n`,
    });
    expect(r.error?.stage).toBe('render');
    expect(r.error?.message).toMatch(/deploy\/bomb\.yaml/);
    expect(r.error?.message).toMatch(/alias/i);
  });

  it('refuses a symlink, naming its path', async () => {
    const r = await badCommit('symlink', {
      'deploy/token.yaml': { symlink: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
    });
    expect(r.error?.stage).toBe('source');
    expect(r.error?.message).toMatch(/deploy\/token\.yaml/);
    expect(r.error?.message).toMatch(/symlink/i);
  });

  it('refuses a file over the default limit (8 MiB), naming its path and size', async () => {
    const limit = DEFAULT_SOURCE_OPTIONS.maxFileBytes;
    // Official install files reach 2 MB (Argo CD's is 1.9 MB), so the default leaves room above them.
    expect(limit).toBe(8 * 1024 * 1024);
    const head = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: `;
    const big = `${head}${'x'.repeat(limit + 1 - head.length - 1)}\n`;
    const r = await badCommit('oversized', { 'deploy/big.yaml': big });
    expect(r.error?.stage).toBe('source');
    expect(r.error?.message).toBe(`deploy/big.yaml: is ${limit + 1} bytes, over the limit of ${limit} bytes`);
  });

  it('names a misspelt field instead of dropping it', async () => {
    const r = await badCommit('typo', {
      'deploy/typo.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replica: 2\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: nginx }] }\n',
    });
    expect(r.error?.stage).toBe('plan');
    expect(r.error?.message).toMatch(/^Deployment\.apps\/.+\/web dry-run failed \(deploy\/typo\.yaml:1\)/);
    expect(r.error?.message).toMatch(/\.spec\.replica: field not declared in schema/);
  });

  it('fails the plan when the API server rejects an object, applying nothing', async () => {
    const r = await badCommit('invalid', {
      'deploy/bad-port.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{ port: 999999 }]\n',
    });
    expect(r.error?.stage).toBe('plan');
    expect(r.error?.message).toMatch(/^Service\/.+\/web dry-run failed \(deploy\/bad-port\.yaml:1\)/);
  });
});
