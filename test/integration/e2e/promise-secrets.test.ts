// Promise (README.md, docs/architecture.md): Secret values are never printed. Every output a user sees, the
// text diff, `--output json` of diff and sync, debug logs and error messages, is searched for each value and
// its base64 form, for Secrets created, changed, adopted from client-side kubectl apply, pruned and refused.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useSyncFixtures, type SyncFixture } from '../../support/sync-fixture.ts';
import { kubectl } from '../../support/cluster.ts';

const suite = useSyncFixtures();

const b64 = (s: string) => Buffer.from(s).toString('base64');
const value = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
const secret = (name: string, body: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name} }\n${body}\n`;

/** Runs diff (text and json) and sync (json, debug log) and returns everything they printed, by output. */
async function everyOutput(
  fx: SyncFixture,
  phase: string,
  expectCode: { diff: number; sync: number },
): Promise<Record<string, string>> {
  const diffText = await fx.cli('diff', ['--log-level', 'debug']);
  const diffJson = await fx.cli('diff', ['--output', 'json', '--log-level', 'debug']);
  const sync = await fx.cli('sync', ['--output', 'json', '--log-level', 'debug', '--health-timeout', '0']);
  expect([diffText.code, diffJson.code, sync.code]).toEqual([
    expectCode.diff,
    expectCode.diff,
    expectCode.sync,
  ]);
  // The debug log really is on, so it is searched too.
  expect(sync.stderr).toMatch(/"level":20/);
  return {
    [`${phase}: diff text`]: diffText.stdout,
    [`${phase}: diff log`]: diffText.stderr,
    [`${phase}: diff --output json`]: diffJson.stdout,
    [`${phase}: sync --output json`]: sync.stdout,
    [`${phase}: sync log`]: sync.stderr,
  };
}

/** Checks every value (soft, so one leak does not hide another); the message names the value and the output. */
function expectNoneOf(outputs: Record<string, string>, values: Record<string, string>): void {
  for (const [name, v] of Object.entries(values)) {
    for (const [output, text] of Object.entries(outputs)) {
      expect.soft(text.includes(v), `the ${name} Secret's value in ${output}`).toBe(false);
      expect.soft(text.includes(b64(v)), `the ${name} Secret's value in base64 in ${output}`).toBe(false);
    }
  }
}

describe('Secret values', () => {
  it('never appear in diffs, JSON results, debug logs or errors', async () => {
    const fx = await suite.fixture('secrets');
    const v = {
      created: value('created'),
      data: value('data'),
      adopted: value('adopted'),
      leaving: value('leaving'),
      frozen: value('frozen'),
      changed: value('changed'),
      thawed: value('thawed'),
    };
    // An object first made by client-side kubectl apply: its last-applied annotation holds the value.
    await kubectl(['apply', '-n', fx.namespace, '-f', '-'], {
      input: secret('adopted', `stringData: { password: ${v.adopted} }`),
    });
    const first = {
      'deploy/created.yaml': secret('created', `stringData: { password: ${v.created} }`),
      'deploy/data.yaml': secret('data', `data: { password: ${b64(v.data)} }`),
      'deploy/adopted.yaml': secret('adopted', `stringData: { password: ${v.adopted} }`),
      'deploy/leaving.yaml': secret('leaving', `stringData: { password: ${v.leaving} }`),
      'deploy/frozen.yaml': secret('frozen', `immutable: true\nstringData: { password: ${v.frozen} }`),
    };
    await fx.repo.commit(first, 'secrets');
    const created = await everyOutput(fx, 'create', { diff: 1, sync: 0 });
    // Not vacuous: the diffs are there, masked.
    expect(created['create: diff text']).toMatch(/^\+ {2}password: "\*\*\*"$/m);

    await fx.repo.commit(
      {
        'deploy/created.yaml': secret('created', `stringData: { password: ${v.changed} }`),
        'deploy/leaving.yaml': null,
      },
      'change one, prune one',
    );
    const changed = await everyOutput(fx, 'change and prune', { diff: 1, sync: 0 });
    expect(changed['change and prune: diff text']).toMatch(/^- {2}password: "\*\*\* \(before\)"$/m);
    expect(changed['change and prune: diff text']).toMatch(/^\+ {2}password: "\*\*\* \(after\)"$/m);
    expect(changed['change and prune: diff text']).toMatch(/deleted +Secret\/.+\/leaving/);

    await fx.repo.commit(
      { 'deploy/frozen.yaml': secret('frozen', `immutable: true\nstringData: { password: ${v.thawed} }`) },
      'change an immutable Secret',
    );
    const refused = await everyOutput(fx, 'refused change', { diff: 2, sync: 2 });
    expect(refused['refused change: diff text']).toMatch(/Secret\/.+\/frozen dry-run failed/);

    expectNoneOf({ ...created, ...changed, ...refused }, v);
  });
});
