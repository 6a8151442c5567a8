// CLI: starts the local control plane, prints how to reach it and keeps it running until Ctrl-C.
import { startControlPlane } from './control-plane.ts';

const cp = await startControlPlane();
console.log(`kubeconfig: ${cp.kubeconfig}`);
console.log(`server:     ${cp.server}`);
console.log(`version:    ${cp.version}`);
console.log(`logs:       ${cp.dir}/*.log`);
console.log(`\nexport KUBECONFIG=${cp.kubeconfig}\n`);
console.log('Press Ctrl-C to stop.');

let stopping = false;
const shutdown = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping the control plane…`);
  cp.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGHUP', shutdown);
// Keeps the event loop alive: the control plane's own handles are unref'd.
setInterval(() => {}, 1 << 30);
