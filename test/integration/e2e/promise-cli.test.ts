// Promises (docs/cli.md): the CLI as a user drives it: exit codes of diff and sync, the `--output json` shape,
// --show-unchanged, --no-prune, --no-force, and the source limits that hold without any flag (their values are
// src/source/options.ts's defaults; a limit that is not applied, or is off by one, fails here).
import { describe, expect, it } from 'vitest';
import type { SyncResult } from '../../../src/core/types.ts';
import { DEFAULT_SOURCE_OPTIONS } from '../../../src/source/options.ts';
import { getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

const cm = (name: string, value = name) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { value: ${value} }\n`;
const json = (stdout: string) => JSON.parse(stdout) as SyncResult;

describe('exit codes and output', () => {
  it('diff exits 1 with changes and 0 without, sync 0 when synced, both 2 on a bad commit', async () => {
    const fx = await suite.fixture('cli-codes');
    const sha = await fx.repo.commit({ 'deploy/a.yaml': cm('a') }, 'a');
    const a = { group: '', kind: 'ConfigMap', namespace: fx.namespace, name: 'a' };

    const pending = await fx.cli('diff', ['--output', 'json']);
    expect(pending.code).toBe(1);
    const planned = json(pending.stdout);
    expect(planned).toMatchObject({
      target: fx.namespace,
      url: fx.repo.url,
      ref: 'main',
      commit: sha,
      outcome: 'planned',
      health: [],
      changes: [{ ref: a, action: 'created', diff: expect.stringMatching(/^--- live\/.+\n\+\+\+ git\//) }],
    });
    expect(Object.keys(planned).sort()).toEqual(
      [
        'changes',
        'commit',
        'health',
        'outcome',
        'ref',
        'renderer',
        'requests',
        'target',
        'timings',
        'url',
      ].sort(),
    );
    expect(planned.renderer).toEqual({ tool: 'plain' });
    expect(planned.requests.DRYRUN).toBe(1);
    expect(Object.keys(planned.timings)).toEqual(expect.arrayContaining(['source', 'render', 'plan']));

    const synced = await fx.cli('sync');
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(new RegExp(`^ {2}created {4}ConfigMap/${fx.namespace}/a$`, 'm'));
    expect(synced.stdout).toMatch(/^Result: synced in /m);

    const clean = await fx.cli('diff');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^ {2}1 unchanged$/m);
    expect(clean.stdout).not.toMatch(/unchanged +ConfigMap/);
    const listed = await fx.cli('diff', ['--show-unchanged']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^ {2}unchanged {2}ConfigMap/${fx.namespace}/a$`, 'm'));

    const again = json((await fx.cli('sync', ['--output', 'json'])).stdout);
    expect(again).toMatchObject({
      outcome: 'synced',
      changes: [{ ref: a, action: 'unchanged' }],
      health: [{ ref: a, status: 'Current' }],
    });

    await fx.repo.commit(
      { 'deploy/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b\n' },
      'broken',
    );
    const badDiff = await fx.cli('diff');
    const badSync = await fx.cli('sync', ['--output', 'json']);
    expect([badDiff.code, badSync.code]).toEqual([2, 2]);
    expect(badDiff.stdout).toMatch(
      /^Error in render:\n {2}deploy\/b\.yaml:4 \(document 1\): YAML syntax error/m,
    );
    expect(json(badSync.stdout)).toMatchObject({
      outcome: 'failed',
      error: { stage: 'render', retryable: false },
    });

    const usage = await fx.cli('sync', ['--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^gitops-agent: Unknown option '--bogus'/);
  });

  it('sync exits 1 when the applied objects are not healthy in time', async () => {
    const fx = await suite.fixture('cli-unhealthy');
    await fx.repo.commit(
      {
        'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { nodeSelector: { disk: none-such }, containers: [{ name: web, image: nginx:1.27 }] }
`,
      },
      'unschedulable',
    );
    const r = await fx.cli('sync', ['--health-timeout', '0', '--output', 'json']);
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ outcome: 'unhealthy', health: [{ status: 'InProgress' }] });
  });
});

describe('sync flags', () => {
  it('--no-prune keeps an object removed from Git and reports it skipped', async () => {
    const fx = await suite.fixture('cli-noprune');
    await fx.repo.commit(
      { 'deploy/a.yaml': cm('a'), 'deploy/b.yaml': cm('b'), 'deploy/c.yaml': cm('c') },
      'abc',
    );
    expect((await fx.cli('sync')).code).toBe(0);
    await fx.repo.commit({ 'deploy/c.yaml': null }, 'c out');

    const kept = await fx.cli('sync', ['--no-prune']);

    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(
      new RegExp(
        `^ {2}skipped {4}ConfigMap/${fx.namespace}/c {2}— removed from Git; pruning is disabled$`,
        'm',
      ),
    );
    expect(await getLive('configmap', 'c', fx.namespace)).toBeDefined();
    expect(kept.stdout).toMatch(/^ {2}2 unchanged, 1 skipped$/m);
  });

  it('--no-force fails on a field another manager owns, naming it; the default takes the field over', async () => {
    const fx = await suite.fixture('cli-noforce');
    await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'git') }, 'a');
    expect((await fx.cli('sync')).code).toBe(0);
    await kubectl(
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=team-b',
        '-n',
        fx.namespace,
        '-f',
        '-',
      ],
      {
        input: cm('a', 'team-b'),
      },
    );
    await fx.repo.commit({ 'deploy/a.yaml': cm('a', 'git2') }, 'a changes');

    const refused = await fx.cli('sync', ['--no-force']);

    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/conflict with "team-b"/);
    expect(await getLive('configmap', 'a', fx.namespace)).toMatchObject({ data: { value: 'team-b' } });
    expect((await fx.cli('sync')).code).toBe(0);
    expect(await getLive('configmap', 'a', fx.namespace)).toMatchObject({ data: { value: 'git2' } });
  });
});

describe('default source limits, with no flag given', () => {
  it('accept a file of exactly maxFileBytes and refuse one byte more', async () => {
    const fx = await suite.fixture('cli-size');
    const limit = DEFAULT_SOURCE_OPTIONS.maxFileBytes;
    const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\ndata: { blob: ';
    const sized = (bytes: number) => `${head}${'x'.repeat(bytes - head.length - 3)} }\n`;
    expect(sized(limit)).toHaveLength(limit);

    await fx.repo.commit({ 'deploy/big.yaml': sized(limit) }, 'exactly the limit');
    const fits = json((await fx.cli('diff', ['--output', 'json'])).stdout);
    // The source stage hands it on (later stages may still judge the object itself).
    expect(fits.error?.stage ?? 'none').not.toBe('source');

    await fx.repo.commit({ 'deploy/big.yaml': sized(limit + 1) }, 'one byte more');
    const over = await fx.cli('diff', ['--output', 'json']);
    expect(over.code).toBe(2);
    expect(json(over.stdout).error).toEqual({
      stage: 'source',
      message: `deploy/big.yaml: is ${limit + 1} bytes, over the limit of ${limit} bytes`,
      retryable: false,
    });
  });

  it('read maxFiles manifest files and refuse one more', async () => {
    const fx = await suite.fixture('cli-count');
    const files = (from: number, to: number) =>
      Object.fromEntries(
        Array.from({ length: to - from }, (_, i) => [
          `deploy/many/${String(from + i).padStart(5, '0')}.yaml`,
          'x: 1\n',
        ]),
      );

    const limit = DEFAULT_SOURCE_OPTIONS.maxFiles;
    await fx.repo.commit(files(0, limit), 'exactly the limit');
    const fits = json((await fx.cli('diff', ['--output', 'json'])).stdout);
    // The source stage hands all of them on; the render stage then refuses what is in them.
    expect(fits.error?.stage).toBe('render');

    await fx.repo.commit(files(limit, limit + 1), 'one more');
    const over = await fx.cli('diff', ['--output', 'json']);
    expect(over.code).toBe(2);
    expect(json(over.stdout).error).toEqual({
      stage: 'source',
      message: `deploy: more than ${DEFAULT_SOURCE_OPTIONS.maxFiles} manifest files under this path`,
      retryable: false,
    });
  });
});
