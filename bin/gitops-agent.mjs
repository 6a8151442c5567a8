#!/usr/bin/env node
// Entry point: runs src/cli/main.ts with Node's type stripping, which needs Node 22.18+ (24 is the target).
// On an older node it re-runs itself with the Node 24 that the `node` devDependency installs, forwarding
// every signal to it and exiting as it exits (bin/reexec.mjs).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  let node;
  try {
    node = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    console.error(
      `gitops-agent needs Node 24 (found ${process.versions.node}); run npm install, or install Node 24`,
    );
    process.exit(2);
  }
  const { reexec } = await import('./reexec.mjs');
  reexec(node, process.argv.slice(1));
} else {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
