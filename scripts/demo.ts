// The README's first command: brings up a real local control plane and a real Gitea, pushes examples/ as a
// Gitea repository with a webhook to the agent, runs `gitops-agent run`, and shows, as it happens: a push
// applied within seconds, the commit's status on Gitea, a `kubectl edit` undone, a `git revert` rolled back,
// and `gitops-agent status`. `--keep` leaves everything running until Ctrl-C so you can poke at it.
import { readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startControlPlane } from '../test/cluster/control-plane.ts';
import { startGitea } from '../test/support/gitea.ts';
import { runShown, startDemoAgent, until, type DemoAgent } from './demo-agent.ts';

const keep = process.argv.includes('--keep');
const root = new URL('..', import.meta.url).pathname;
const step = (text: string): void => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const cp = await startControlPlane({ log: (line) => console.log(`[control-plane] ${line}`) });
const gitea = await startGitea({ log: (line) => console.log(`[gitea] ${line}`) });
const dir = await mkdtemp(join(tmpdir(), 'gitops-demo-'));
const env = { ...process.env, KUBECONFIG: cp.kubeconfig };
let agent: DemoAgent | undefined;
let stopping = false;
const stop = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    await agent?.stop();
    await gitea.stop();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

const kubectl = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runShown('kubectl', args, { ...env, ...extraEnv }, `kubectl ${args.join(' ')}`);
const replicas = async (): Promise<string> =>
  (await runShown('kubectl', ['get', 'deploy/web', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}'], env))
    .out;

try {
  step('A Gitea repository holding examples/demo as apps/demo');
  const repo = await gitea.createRepo('demo');
  const files: Record<string, string> = {};
  for (const name of await readdir(join(root, 'examples/demo')))
    files[`apps/demo/${name}`] = await readFile(join(root, 'examples/demo', name), 'utf8');
  const first = await repo.commit(files, 'demo application');
  console.log(`${gitea.url}/${repo.fullName} at ${first.slice(0, 12)}`);

  step('gitops-agent run: one target, commit statuses to Gitea, a webhook receiver for Gitea');
  const secret = 'demo-webhook-secret';
  await writeFile(join(dir, 'token'), gitea.admin.token);
  await writeFile(join(dir, 'hook-secret'), secret);
  const config = {
    agent: {
      cluster: 'demo',
      listen: '127.0.0.1:0',
      webhooks: { receivers: [{ provider: 'gitea', secretFile: join(dir, 'hook-secret') }] },
    },
    targets: [
      {
        name: 'demo',
        repo: repo.url,
        path: 'apps/demo',
        namespace: 'demo',
        inventoryNamespace: 'default',
        // An hour: every sync below is started by a webhook, a self-heal or nothing.
        interval: '1h',
        auth: { tokenFile: join(dir, 'token'), username: gitea.admin.username },
        host: { provider: 'gitea', token: { file: join(dir, 'token') } },
      },
    ],
  };
  await writeFile(join(dir, 'agent.yaml'), stringify(config));
  console.log(stringify(config).replaceAll(dir, '$DEMO'));
  agent = await startDemoAgent(join(root, 'bin/gitops-agent.mjs'), join(dir, 'agent.yaml'), dir, env);
  await agent.synced(first);

  const status = async (sha: string): Promise<void> => {
    const final = await until(`a final status on ${sha.slice(0, 12)}`, async () => {
      const list = await gitea.statuses(repo.fullName, sha);
      return list.length > 0 && list[0]!.status !== 'pending' ? list : undefined;
    });
    console.log(`Gitea, commit ${sha.slice(0, 12)} (oldest first):`);
    for (const s of [...final].reverse())
      console.log(`  ${s.status.padEnd(8)} ${s.context}  ${s.description}`);
  };
  await status(first);

  step('A webhook on the Gitea repository, to the agent');
  await gitea.addWebhook(repo.fullName, { url: `http://127.0.0.1:${agent.port}/hooks/gitea`, secret });
  console.log(`POST http://127.0.0.1:${agent.port}/hooks/gitea, signed with the hook's secret`);

  step('git push: three replicas instead of two');
  const web = files['apps/demo/30-web.yaml']!;
  const pushed = performance.now();
  const scaled = await repo.commit(
    { 'apps/demo/30-web.yaml': web.replace('replicas: 2', 'replicas: 3') },
    'web: 3 replicas',
  );
  await agent.synced(scaled);
  console.log(`push → applied and healthy in ${secs(performance.now() - pushed)} (the push itself included)`);
  console.log(`deploy/web replicas: ${await replicas()}`);
  await status(scaled);

  step('kubectl edit deploy/web: someone sets 5 replicas by hand');
  const edited = performance.now();
  await kubectl(['edit', 'deploy/web', '-n', 'demo'], {
    KUBE_EDITOR: "sed -i 's/^  replicas: 3$/  replicas: 5/'",
  });
  await until('the edit undone', async () => (await replicas()) === '3', 30_000);
  console.log(
    `undone by the agent's self-heal in ${secs(performance.now() - edited)}: replicas ${await replicas()}`,
  );

  step('git revert of that commit, pushed: back to two replicas');
  const reverted = await repo.revert(scaled);
  await agent.synced(reverted);
  console.log(`deploy/web replicas: ${await replicas()}`);
  await status(reverted);

  step('gitops-agent status');
  await runShown(
    process.execPath,
    [join(root, 'bin/gitops-agent.mjs'), 'status'],
    env,
    'gitops-agent status',
  );

  if (keep) {
    console.log(
      `\nStill running. Gitea: ${gitea.url} (user ${gitea.admin.username}, password ${gitea.admin.password});` +
        ` the agent on 127.0.0.1:${agent.port} (/metrics).\nIn another shell:\n  export KUBECONFIG=${cp.kubeconfig}\n` +
        `  kubectl get deploy,svc,cm,secret,widgets -n demo\n  node bin/gitops-agent.mjs status\nCtrl-C stops everything.`,
    );
    setInterval(() => {}, 1 << 30);
  } else {
    await stop(0);
  }
} catch (err) {
  console.error(err);
  if (agent) console.error(`last agent lines:\n${agent.tail()}`);
  await stop(1);
}
