// The README's first command: brings up a real local control plane and Git server, pushes examples/ as a
// repository, and runs the agent's `sync` on it twice (the second time nothing changes), then `diff`.
// `--keep` leaves everything running until Ctrl-C so you can poke at it with kubectl.
import { readdir, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startControlPlane } from '../test/cluster/control-plane.ts';
import { startGitServer } from '../test/support/git-server.ts';

const keep = process.argv.includes('--keep');
const root = new URL('..', import.meta.url).pathname;

const cp = await startControlPlane({ log: (line) => console.log(line) });
const git = await startGitServer();
let stopping = false;
const stop = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    await git.close();
    await cp.stop();
  }
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

try {
  const repo = await git.createRepo('examples');
  const files: Record<string, string> = {};
  for (const name of await readdir(join(root, 'examples/demo'))) {
    files[`apps/demo/${name}`] = await readFile(join(root, 'examples/demo', name), 'utf8');
  }
  const sha = await repo.commit(files, 'demo application');
  console.log(`\nexample repository ${repo.url} at ${sha.slice(0, 12)} (examples/demo → apps/demo)\n`);
  const args = [
    '--repo',
    repo.url,
    '--path',
    'apps/demo',
    '--namespace',
    'demo',
    '--inventory-namespace',
    'default',
  ];
  const env = { ...process.env, KUBECONFIG: cp.kubeconfig };
  for (const [title, command] of [
    ['First sync: everything is created in stage order, then the agent waits for health', 'sync'],
    ['Second sync of the same commit: nothing to do, no write requests', 'sync'],
    ['diff: dry-runs every object against the cluster', 'diff'],
  ] as const) {
    console.log(`$ gitops-agent ${command} ${args.join(' ')}\n# ${title}`);
    const code = await run(process.execPath, [join(root, 'bin/gitops-agent.mjs'), command, ...args], env);
    console.log(`(exit ${code})\n`);
    if (command === 'sync' && code !== 0) await stop(1);
  }
  console.log('$ kubectl get deploy,svc,cm,secret,widgets -n demo -l applyset.kubernetes.io/part-of');
  await run(
    'kubectl',
    ['get', 'deploy,svc,cm,secret,widgets', '-n', 'demo', '-l', 'applyset.kubernetes.io/part-of'],
    env,
  );
  if (keep) {
    console.log(
      `\nStill running. In another shell:\n  export KUBECONFIG=${cp.kubeconfig}\n  node bin/gitops-agent.mjs diff ${args.join(' ')}\nCtrl-C stops everything.`,
    );
    setInterval(() => {}, 1 << 30);
  } else {
    await stop(0);
  }
} catch (err) {
  console.error(err);
  await stop(1);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
