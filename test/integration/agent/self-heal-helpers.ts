// Shared by the self-heal tests: a target synced by reconcile(), its desired set rendered the way reconcile
// renders it, a SelfHeal started on it, and real kubectl actions against the objects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { KubeObject, Manifest } from '../../../src/core/types.ts';
import { applySetId, withPartOf } from '../../../src/core/applyset.ts';
import { fetchSource } from '../../../src/source/source.ts';
import { render } from '../../../src/render/render.ts';
import { parentRef } from '../../../src/inventory/store.ts';
import { Kube } from '../../../src/kube/objects.ts';
import {
  SelfHeal,
  type Correction,
  type Fight,
  type SelfHealOptions,
} from '../../../src/agent/drift/self-heal.ts';
import { kubeconfigPath, kubectl } from '../../support/cluster.ts';
import type { SyncFixture } from '../../support/sync-fixture.ts';

/** A running SelfHeal with what it reported. */
export interface Healer {
  heal: SelfHeal;
  corrections: Correction[];
  fights: Fight[];
  desired: Manifest[];
  inventoryId: string;
  /** Aborts the SelfHeal and waits until it has stopped. */
  stop(): Promise<void>;
}

/** Commits `files` under deploy/, syncs them, renders them again as reconcile does and starts a SelfHeal. */
export async function syncAndHeal(
  fx: SyncFixture,
  files: Record<string, string>,
  options: Partial<SelfHealOptions> = {},
): Promise<Healer> {
  await fx.repo.commit(
    Object.fromEntries(Object.entries(files).map(([f, c]) => [`deploy/${f}`, c])),
    'objects',
  );
  const result = await fx.sync();
  expect(result.error).toBeUndefined();
  expect(result.outcome).toBe('synced');
  const inventoryId = applySetId(
    parentRef({ target: fx.target.name, namespace: fx.target.inventoryNamespace }),
  );
  const desired = await renderDesired(fx, inventoryId);
  const controller = new AbortController();
  const corrections: Correction[] = [];
  const fights: Fight[] = [];
  const heal = new SelfHeal({
    kube: fx.kube,
    target: fx.target,
    inventoryId,
    getDesired: () => desired,
    mayWrite: () => true,
    signal: controller.signal,
    onCorrection: (c) => corrections.push(c),
    onFight: (f) => fights.push(f),
    onError: (err, what) => console.error(`self-heal: ${what}: ${(err as Error).message}`),
    ...options,
  });
  await heal.start();
  return {
    heal,
    corrections,
    fights,
    desired,
    inventoryId,
    async stop() {
      controller.abort();
      await heal.stopped();
    },
  };
}

/** The target's manifests at its ref, rendered and labelled exactly as reconcile() applies them. */
export async function renderDesired(fx: SyncFixture, inventoryId: string): Promise<Manifest[]> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'gitops-heal-'));
  try {
    const snapshot = await fetchSource({
      url: fx.target.url,
      ref: fx.target.ref,
      path: fx.target.path,
      cacheDir,
    });
    const manifests = await render(snapshot, {
      path: fx.target.path,
      defaultNamespace: fx.target.namespace,
      scopeOf: fx.kube.discovery.scopeOf,
    });
    return manifests.map((m) => ({ ...m, object: withPartOf(m.object, inventoryId) }));
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** A ConfigMap manifest with one data key. */
export const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

/** A Deployment manifest; `replicas` left out when undefined. */
export const deployment = (name: string, replicas?: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: ${name}, image: nginx:1.27 }] }
`;

/** Runs the real `kubectl edit` with a sed expression as the editor. */
export function kubectlEdit(args: string[], sedExpr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [`--kubeconfig=${kubeconfigPath()}`, 'edit', ...args], {
      env: { ...process.env, KUBE_EDITOR: `sed -i '${sedExpr}'` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl edit failed: ${err}`))));
  });
}

/** Polls `get` every 10 ms until `done` holds; returns the ms it took, or throws after `timeoutMs`. */
export async function msUntil(
  get: () => Promise<KubeObject | undefined>,
  done: (obj: KubeObject | undefined) => boolean,
  timeoutMs = 10_000,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (done(await get())) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client of its own for the test's polling, so its requests never queue behind the agent's. */
export function observer(): Kube {
  return Kube.load(kubeconfigPath());
}

/** The events.k8s.io Events about one object, as kubectl returns them. */
export async function eventsAbout(
  namespace: string,
  name: string,
): Promise<{ reason: string; type: string; note: string; reportingController: string }[]> {
  const out = await kubectl(['get', 'events.events.k8s.io', '-n', namespace, '-o', 'json']);
  const items = (
    JSON.parse(out) as {
      items: {
        reason: string;
        type: string;
        note: string;
        reportingController: string;
        regarding: { name: string };
      }[];
    }
  ).items;
  return items.filter((e) => e.regarding.name === name);
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Waits until `cond` holds, polling every 20 ms; throws naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
