// A re-check of a deployed commit that changes nothing leaves the commit's status as the deploy wrote it
// ("1 configured, 2/2 healthy"): it is not replaced by "unchanged", so a pull request's check keeps saying what
// merging it did and the host gets no second post. A re-check that changes something, or a failure whose
// cause moved, is posted. Against the GitHub contract server, through the reporter's own sync events.
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentOutcome, TargetStatus } from '../../../../src/agent/target-status.ts';
import type { Action, ObjectHealth, SyncResult } from '../../../../src/core/types.ts';
import { startGitHub, type GitHubFake } from '../../../support/hosts/github.ts';
import { githubReporter } from './github-reporter.ts';

const token = 'ghp_reporterrecheck0123456789';
const sha = 'c'.repeat(40);
const ENV = 'REPORTER_RECHECK_TOKEN';
let server: GitHubFake | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  delete process.env[ENV];
});

const healthy = (name: string): ObjectHealth =>
  ({ ref: { kind: 'Deployment', name }, status: 'Current', message: '' }) as unknown as ObjectHealth;
const sick = (name: string, reason: string): ObjectHealth =>
  ({
    ref: { kind: 'Deployment', name },
    status: 'Failed',
    message: reason,
    cause: { reason, message: reason },
  }) as unknown as ObjectHealth;

function result(outcome: SyncResult['outcome'], actions: Action[], health: ObjectHealth[]): SyncResult {
  return {
    target: 'web',
    url: 'https://github.com/acme/deploy.git',
    ref: 'main',
    commit: sha,
    outcome,
    changes: actions.map((action, i) => ({ ref: { kind: 'ConfigMap', name: `c${i}` }, action })) as never,
    health,
    timings: {},
    requests: {},
  };
}

async function setup() {
  server = await startGitHub({ token, repository: 'acme/deploy' });
  process.env[ENV] = token;
  const r = githubReporter(server, ENV);
  const sync = async (outcome: AgentOutcome, res: SyncResult) => {
    r.listener({
      type: 'sync-progress',
      target: 'web',
      event: { type: 'source-resolved', commit: sha },
    } as never);
    r.listener({
      type: 'sync-done',
      target: 'web',
      reason: 'interval',
      outcome,
      result: res,
      status: { message: '' } as TargetStatus,
      ms: 1,
    });
    await r.idle();
  };
  const posted = () => server!.statuses.map((s) => `${s.state}: ${s.description}`);
  return { r, sync, posted };
}

describe('a re-check of a deployed commit', () => {
  it('that changed nothing keeps the deploy’s description and posts nothing', async () => {
    const { r, sync, posted } = await setup();
    await sync('synced', result('synced', ['configured', 'unchanged'], [healthy('a'), healthy('b')]));
    expect(posted()).toEqual(['pending: sync in progress', 'success: 1 configured, 2/2 healthy']);
    await sync('synced', result('synced', ['unchanged', 'unchanged'], [healthy('a'), healthy('b')]));
    await sync('synced', result('synced', ['unchanged', 'unchanged'], [healthy('a'), healthy('b')]));
    expect(posted()).toEqual(['pending: sync in progress', 'success: 1 configured, 2/2 healthy']);
    r.stop();
  });

  it('that changed something, or failed anew, is posted; a failure whose cause moved too', async () => {
    const { r, sync, posted } = await setup();
    await sync('synced', result('synced', ['configured'], [healthy('a')]));
    // Drift undone on the same commit: what the sync did is news.
    await sync('synced', result('synced', ['configured', 'configured'], [healthy('a')]));
    await sync('unhealthy', result('unhealthy', ['unchanged'], [sick('a', 'ImagePullBackOff')]));
    await sync('unhealthy', result('unhealthy', ['unchanged'], [sick('a', 'CrashLoopBackOff')]));
    // Healthy again with nothing applied: the state moved, so it is posted.
    await sync('synced', result('synced', ['unchanged'], [healthy('a')]));
    expect(posted()).toEqual([
      'pending: sync in progress',
      'success: 1 configured, 1/1 healthy',
      'success: 2 configured, 1/1 healthy',
      'failure: Deployment/a: ImagePullBackOff',
      'failure: Deployment/a: CrashLoopBackOff',
      'success: unchanged, 1/1 healthy',
    ]);
    r.stop();
  });
});
