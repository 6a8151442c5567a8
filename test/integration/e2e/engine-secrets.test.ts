// Secret values never show in any diff or result, and drift in a Secret written with stringData is found.
import { describe, expect, it } from 'vitest';
import { actions, getLive, useSyncFixtures } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const secretYaml = (name: string, stringData: Record<string, string>): string =>
  `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name} }\nstringData:\n${Object.entries(stringData)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')}\n`;

describe('Secret values', () => {
  it('are masked in diff, sync and prune output, also in last-applied-configuration, and adoption shows removed keys', async () => {
    const fx = await suite.fixture('secret-mask');
    const values = ['old-s3cret-value', 'gone-s3cret-value', 'new-s3cret-value', 'kept-s3cret-value'];
    const leaks = (text: string): string[] =>
      values.flatMap((v) => [v, b64(v)]).filter((v) => text.includes(v));
    // Created by client-side kubectl apply: the last-applied annotation holds the values in clear text.
    await kubectl(['apply', '-n', fx.namespace, '-f', '-'], {
      input: secretYaml('creds', { password: 'old-s3cret-value', removed: 'gone-s3cret-value' }),
    });
    await fx.repo.commit(
      {
        'deploy/creds.yaml': secretYaml('creds', { password: 'new-s3cret-value' }),
        'deploy/kept.yaml': secretYaml('kept', { token: 'kept-s3cret-value' }),
      },
      'adopt creds',
    );

    const planned = await fx.sync({ mode: 'diff' });
    expect(planned.error).toBeUndefined();
    expect(leaks(JSON.stringify(planned))).toEqual([]);
    const adoption = planned.changes.find((c) => c.ref.name === 'creds')?.diff ?? '';
    expect(adoption).toMatch(/^-\s+removed: "\*\*\*"$/m);
    expect(adoption).toMatch(/kubectl\.kubernetes\.io\/last-applied-configuration: "\*\*\*"/);
    const cliDiff = await fx.cli('diff', ['--output', 'json']);
    expect(cliDiff.code).toBe(1);
    expect(leaks(cliDiff.stdout + cliDiff.stderr)).toEqual([]);
    const cliText = await fx.cli('diff');
    expect(leaks(cliText.stdout + cliText.stderr)).toEqual([]);

    const synced = await fx.cli('sync', ['--output', 'json']);
    expect(synced.code).toBe(0);
    expect(leaks(synced.stdout + synced.stderr)).toEqual([]);
    const live = (await getLive('secret', 'creds', fx.namespace)) as { data: Record<string, string> };
    expect(Object.keys(live.data)).toEqual(['password']);

    // Someone re-applies "kept" client-side, then Git drops it: the prune diff holds the annotation.
    await kubectl(['apply', '-n', fx.namespace, '-f', '-'], {
      input: secretYaml('kept', { token: 'kept-s3cret-value' }),
    });
    await fx.repo.commit({ 'deploy/kept.yaml': null }, 'drop kept');
    const prune = await fx.sync({ mode: 'diff' });
    expect(actions(prune)['Secret/kept']).toBe('deleted');
    expect(leaks(JSON.stringify(prune))).toEqual([]);
    const pruned = await fx.sync();
    expect(actions(pruned)['Secret/kept']).toBe('deleted');
    expect(leaks(JSON.stringify(pruned))).toEqual([]);
  });
});

describe('a Secret written with stringData', () => {
  it('has its drift found by sync, not only by diff', async () => {
    const fx = await suite.fixture('secret-drift');
    await fx.repo.commit({ 'deploy/s.yaml': secretYaml('s', { password: 'one' }) }, 'secret');
    expect((await fx.sync()).outcome).toBe('synced');
    await kubectl([
      'patch',
      'secret',
      's',
      '-n',
      fx.namespace,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ data: { password: b64('two') } }),
    ]);

    const healed = await fx.sync();
    expect(healed.error).toBeUndefined();
    expect(actions(healed)['Secret/s']).toBe('configured');
    const live = (await getLive('secret', 's', fx.namespace)) as { data: Record<string, string> };
    expect(live.data.password).toBe(b64('one'));
    const again = await fx.sync();
    expect(actions(again)['Secret/s']).toBe('unchanged');
    expect(again.methods.PATCH ?? 0).toBe(0);
  });
});
