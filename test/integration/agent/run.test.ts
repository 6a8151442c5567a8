// `gitops-agent run` as a real process with a config file, against the real control plane and Git server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer, type Repo } from '../../support/git-server.ts';
import { createTestNamespace, type TestNamespace } from '../../support/namespace.ts';
import { eventually, kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { getLive } from '../../support/sync-fixture.ts';
import { startAgent, type AgentProcess, type LogLine } from '../../support/agent-process.ts';
import { parsePromText } from '../../support/prom-text.ts';

const TOKEN = 'tok-Zq8x3Lw9Vb27Kd';
const AUTH = { username: 'x-access-token', password: TOKEN };

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

let server: GitServer;
let secrets: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startGitServer({ auth: AUTH });
  secrets = await mkdtemp(join(tmpdir(), 'gitops-agent-token-'));
  await writeFile(join(secrets, 'token'), `${TOKEN}\n`);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(async () => {
  await server?.close();
  await rm(secrets, { recursive: true, force: true });
});

async function world(prefix: string): Promise<{ ns: TestNamespace; repo: Repo }> {
  const ns = await createTestNamespace(prefix);
  cleanups.push(() => ns.cleanup());
  const repo = await server.createRepo(ns.name);
  return { ns, repo };
}

function target(ns: string, repo: Repo, extra: Record<string, unknown> = {}) {
  return {
    name: ns,
    repo: repo.url,
    path: 'deploy',
    namespace: ns,
    healthTimeoutSeconds: 20,
    auth: { tokenFile: join(secrets, 'token'), username: AUTH.username },
    ...extra,
  };
}

const agentSettings = {
  cluster: 'test',
  listen: '127.0.0.1:0',
  requestPoll: '1s',
  retry: { initial: '1s', max: '4s' },
};

async function run(config: unknown): Promise<AgentProcess> {
  const agent = await startAgent(config);
  cleanups.push(() => agent.dispose());
  return agent;
}

const doneFor = (target: string, outcome?: string) => (l: LogLine) =>
  l.target === target && typeof l.outcome === 'string' && (!outcome || l.outcome === outcome);

async function statusOf(name: string, ns = name): Promise<Record<string, unknown>> {
  const live = await getLive('configmap', `gitops-agent.${name}`, ns);
  const text = (live?.metadata as { annotations?: Record<string, string> })?.annotations?.[
    'gitops-agent.io/status'
  ];
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/gitops-agent.mjs', ...args, '--kubeconfig', kubeconfigPath()],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('gitops-agent run', () => {
  it('applies each pushed commit within interval plus jitter, reports a bad commit with file and line, recovers, and exits 0 on SIGTERM', async () => {
    const { ns, repo } = await world('agent-run');
    await repo.commit({ 'deploy/a.yaml': cm('a', 'one') }, 'one');
    // A second target whose URL carries the token and names a repository that does not exist: its errors
    // quote the URL, and no log line may show the token.
    const leaky = `http://${AUTH.username}:${TOKEN}@${server.url.slice('http://'.length)}/missing.git`;
    const agent = await run({
      agent: agentSettings,
      targets: [
        target(ns.name, repo, { interval: '3s' }),
        { name: `${ns.name}-leak`, repo: leaky, namespace: ns.name, interval: '3s' },
      ],
    });
    await eventually('the first sync', async () => (await getLive('configmap', 'a', ns.name))?.data);
    await agent.waitForLog('the leaky target to fail', doneFor(`${ns.name}-leak`, 'failed'));

    // Interval 3 s, jitter 10 %: a push is applied within 3.3 s plus one sync; 10 s of margin for a loaded machine.
    const pushed = Date.now();
    await repo.commit({ 'deploy/a.yaml': cm('a', 'two') }, 'two');
    await eventually(
      'the pushed commit to be applied',
      async () =>
        ((await getLive('configmap', 'a', ns.name)) as { data?: { value?: string } })?.data?.value === 'two',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const elapsed = Date.now() - pushed;
    console.log(`push → applied: ${elapsed} ms (interval 3 s, jitter 10 %)`);
    expect(elapsed).toBeLessThan(3_300 + 10_000);

    // A bad commit: nothing of it is applied, and the failure names the file and line.
    const from = agent.logs().length;
    await repo.commit(
      {
        'deploy/a.yaml': cm('a', 'three'),
        'deploy/bad.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  key: [unclosed\n',
      },
      'bad',
    );
    const failed = await agent.waitForLog('the bad commit to fail', doneFor(ns.name, 'failed'), { from });
    expect(failed.stage).toBe('render');
    expect(failed.msg).toMatch(/deploy\/bad\.yaml:\d+ \(document 1\): YAML syntax error/);
    expect(await getLive('configmap', 'a', ns.name)).toMatchObject({ data: { value: 'two' } });
    expect(await getLive('configmap', 'bad', ns.name)).toBeUndefined();
    const failedStatus = await statusOf(ns.name);
    expect(failedStatus).toMatchObject({
      outcome: 'failed',
      ready: 'False',
      error: { stage: 'render', retryable: false },
    });
    expect(String(failedStatus.message)).toMatch(/deploy\/bad\.yaml:\d+/);
    // The Event follows the status write, which follows the log line.
    await eventually('the SyncFailed Event on the parent', async () => {
      const out = await kubectl([
        'get',
        'events',
        '-n',
        ns.name,
        '--field-selector',
        'reason=SyncFailed',
        '-o',
        'json',
      ]);
      const items = (JSON.parse(out) as { items: { involvedObject: { name: string } }[] }).items;
      return items.some((e) => e.involvedObject.name === `gitops-agent.${ns.name}`);
    });
    expect(agent.logs().filter((l) => l.msg === 'could not record the Event')).toEqual([]);

    // The next good commit syncs.
    const fixed = await repo.commit({ 'deploy/a.yaml': cm('a', 'four'), 'deploy/bad.yaml': null }, 'fixed');
    await eventually(
      'the fixed commit to be applied',
      async () =>
        ((await getLive('configmap', 'a', ns.name)) as { data?: { value?: string } })?.data?.value === 'four',
      { timeoutMs: 30_000 },
    );
    await eventually(
      'the synced status',
      async () => (await statusOf(ns.name)).lastAppliedRevision === fixed,
    );
    expect(await statusOf(ns.name)).toMatchObject({
      outcome: 'synced',
      ready: 'True',
      lastAttemptedRevision: fixed,
    });

    // /metrics is valid exposition text with the agent's series; /healthz and /readyz answer.
    const metrics = await agent.http('/metrics');
    expect(metrics.status).toBe(200);
    const families = parsePromText(metrics.body);
    expect(metrics.body).not.toContain(TOKEN);
    const sample = (name: string, labels: Record<string, string>) =>
      [...families.values()]
        .flatMap((f) => f.samples)
        .find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(families.get('gitops_sync_duration_seconds')?.type).toBe('histogram');
    expect(
      sample('gitops_syncs_total', { target: ns.name, outcome: 'synced', cluster: 'test' })?.value,
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample('gitops_syncs_total', { target: ns.name, outcome: 'failed' })?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(sample('gitops_managed_objects', { target: ns.name })?.value).toBe(1);
    expect(sample('gitops_target_info', { target: ns.name })?.labels.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(sample('gitops_git_fetch_duration_seconds_count', { target: ns.name })?.value).toBeGreaterThan(0);
    expect(sample('gitops_api_requests_total', { verb: 'APPLY', code: '200' })?.value).toBeGreaterThan(0);
    expect(
      sample('gitops_last_successful_sync_timestamp_seconds', { target: ns.name })?.value,
    ).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(sample('gitops_target_suspended', { target: ns.name })?.value).toBe(0);
    expect(families.get('gitops_drift_corrections_total')?.type).toBe('counter');
    expect(families.get('gitops_drift_fights_total')?.type).toBe('counter');
    expect((await agent.http('/healthz')).status).toBe(200);
    expect((await agent.http('/readyz')).status).toBe(200);

    // `gitops-agent status` reads the parents.
    const status = await cli(['status', '--namespace', ns.name, '--output', 'json']);
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as { name: string; status?: { ready: string } }[];
    expect(rows.find((r) => r.name === ns.name)?.status?.ready).toBe('True');
    expect(rows.find((r) => r.name === `${ns.name}-leak`)?.status?.ready).toBe('False');
    const table = await cli(['status', '--namespace', ns.name]);
    expect(table.stdout).toMatch(/^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\s+AGE/);
    expect(table.stdout).toContain(`main@sha1:${fixed.slice(0, 12)}`);

    // Nor does any status written on the cluster.
    const leakStatus = JSON.stringify(await statusOf(`${ns.name}-leak`, ns.name));
    expect(leakStatus).toContain('missing.git');
    expect(leakStatus).not.toContain(TOKEN);

    const stopped = await agent.stop('SIGTERM');
    expect(stopped.code).toBe(0);

    // No log line carries the token, in clear or basic-auth encoded.
    const basic = Buffer.from(`${AUTH.username}:${TOKEN}`).toString('base64');
    expect(agent.rawLines.length).toBeGreaterThan(10);
    expect(agent.rawLines.filter((l) => l.includes(TOKEN) || l.includes(basic))).toEqual([]);
    expect(agent.rawLines.some((l) => l.includes('missing.git'))).toBe(true);
  });

  it('exits 0 within the grace period when SIGTERM arrives during a sync', async () => {
    const { ns, repo } = await world('agent-sigterm');
    // A claim with no storage to bind never becomes Current, so the sync waits in its health stage.
    const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: none\n  resources:\n    requests:\n      storage: 1Gi\n`;
    await repo.commit({ 'deploy/pvc.yaml': pvc, 'deploy/a.yaml': cm('a', 'one') }, 'pvc');
    const agent = await run({
      agent: agentSettings,
      targets: [target(ns.name, repo, { interval: '1m', healthTimeoutSeconds: 300 })],
    });
    await agent.waitForLog(
      'the health stage',
      (l) => l.target === ns.name && l.stage === 'health' && l.msg === 'stage started',
    );
    const stopped = await agent.stop('SIGTERM', 20_000);
    expect(stopped.code).toBe(0);
    // The grace period of a pod is 30 s by default; the agent stops well within it.
    expect(stopped.ms).toBeLessThan(10_000);
    expect(await getLive('configmap', 'a', ns.name)).toMatchObject({ data: { value: 'one' } });
    const done = agent.logs().find(doneFor(ns.name));
    expect(done?.outcome).toBe('failed');
    expect(agent.logs().some((l) => l.msg === 'stopped')).toBe(true);
  });

  it('syncs on `gitops-agent reconcile`, and takes a changed config (suspend, a deny window) without a restart', async () => {
    const { ns, repo } = await world('agent-request');
    await repo.commit({ 'deploy/a.yaml': cm('a', 'one') }, 'one');
    const config = { agent: agentSettings, targets: [target(ns.name, repo, { interval: '1h' })] };
    const agent = await run(config);
    await agent.waitForLog('the first sync', doneFor(ns.name, 'synced'));

    // An interval of an hour: only the request can bring the new commit in.
    await repo.commit({ 'deploy/a.yaml': cm('a', 'two') }, 'two');
    const asked = await cli(['reconcile', ns.name, '--namespace', ns.name, '--wait', '60']);
    expect(asked.stderr).toBe('');
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/✔ synced: applied revision main@sha1:/);
    expect(await getLive('configmap', 'a', ns.name)).toMatchObject({ data: { value: 'two' } });
    const unknown = await cli(['reconcile', 'no-such-target', '--namespace', ns.name]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no inventory parent ConfigMap gitops-agent\.no-such-target in namespace/);

    // Suspended through the config file: nothing is applied, and the status says so.
    let from = agent.logs().length;
    await agent.writeConfig({
      ...config,
      targets: [target(ns.name, repo, { interval: '1h', suspend: true })],
    });
    await agent.waitForLog('the suspended outcome', doneFor(ns.name, 'suspended'), { from });
    await repo.commit({ 'deploy/a.yaml': cm('a', 'three') }, 'three');
    from = agent.logs().length;
    await cli(['reconcile', ns.name, '--namespace', ns.name]);
    await agent.waitForLog('a second suspended outcome', doneFor(ns.name, 'suspended'), { from });
    expect(await getLive('configmap', 'a', ns.name)).toMatchObject({ data: { value: 'two' } });
    expect(await statusOf(ns.name)).toMatchObject({ outcome: 'suspended', suspended: true });

    // A deny window that is always open: the agent plans and reports, applies nothing.
    from = agent.logs().length;
    const windows = [{ kind: 'deny', schedule: '* * * * *', duration: '1h' }];
    await agent.writeConfig({
      ...config,
      targets: [target(ns.name, repo, { interval: '1h', syncWindows: windows })],
    });
    const blocked = await agent.waitForLog('the blocked outcome', doneFor(ns.name, 'blocked'), { from });
    expect(blocked.msg).toMatch(/blocked by sync window .*1 change\(s\) planned, not applied/);
    expect(await getLive('configmap', 'a', ns.name)).toMatchObject({ data: { value: 'two' } });

    // An invalid config is refused and the running one stays.
    from = agent.logs().length;
    await writeFile(agent.configPath, 'targets:\n  - name: x\n    repo: y\n    intervall: 1m\n');
    const refused = await agent.waitForLog(
      'the refused config',
      (l) => l.msg === 'config not reloaded: the running config stays',
      { from },
    );
    expect(JSON.stringify(refused.err)).toContain('target \\"x\\" (targets[0]): unknown key \\"intervall\\"');

    // Back to no windows: the new commit is applied.
    await agent.writeConfig(config);
    await eventually(
      'commit three to be applied',
      async () =>
        ((await getLive('configmap', 'a', ns.name)) as { data?: { value?: string } })?.data?.value ===
        'three',
    );
    // SIGHUP reads the file again even when it did not change.
    from = agent.logs().length;
    agent.signal('SIGHUP');
    await agent.waitForLog('the SIGHUP reload', (l) => l.msg === 'config reloaded' && l.why === 'SIGHUP', {
      from,
    });
    expect((await agent.stop()).code).toBe(0);
  });
});
