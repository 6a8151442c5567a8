import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/core/types.ts';
import { watchObjects, type WatchEvent } from '../../../src/kube/watch.ts';
import { Kube } from '../../../src/kube/objects.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { createTestNamespace } from '../../support/namespace.ts';
import { kubeconfigPath, kubectl } from '../../support/cluster.ts';
import { useSyncFixtures } from '../../support/sync-fixture.ts';
import { configMap, deployment, syncAndHeal, until } from './self-heal-helpers.ts';

const suite = useSyncFixtures();
const LABEL = 'heal-test/set';

/** Creates a labelled ConfigMap with kubectl. */
async function labelled(namespace: string, name: string, set: string): Promise<void> {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { [LABEL]: set } } };
  await kubectl(['create', '-f', '-'], { input: JSON.stringify(cm) });
}

/** Starts watchObjects over labelled ConfigMaps of one namespace, collecting its events. */
function collect(
  kube: Kube,
  namespace: string,
  set: string,
  extra: { resourceVersion?: string; timeoutSeconds?: number },
) {
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  const errors: unknown[] = [];
  const done = watchObjects(kube, {
    group: '',
    kind: 'ConfigMap',
    namespace,
    labelSelector: `${LABEL}=${set}`,
    signal: controller.signal,
    onEvent: (e) => events.push(e),
    onError: (err) => errors.push(err),
    ...extra,
  });
  return { controller, events, errors, done };
}

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();

/** WATCH requests the API server is serving for ConfigMaps and Deployments in one namespace (its own gauge). */
async function serverWatches(): Promise<{ configmaps: number; deployments: number }> {
  const text = await kubectl(['get', '--raw', '/metrics']);
  const out = { configmaps: 0, deployments: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{')) continue;
    if (!line.includes('verb="WATCH"') || !line.includes('scope="namespace"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    if (resource === 'configmaps' || resource === 'deployments')
      out[resource] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

describe('label-filtered watch', () => {
  it('lists again after 410 Gone when resumed from a resourceVersion older than the server keeps', async () => {
    const fx = await suite.fixture('watch-gone');
    // A new CRD's watch cache starts at today's resourceVersion, so "1" is older than it keeps: 410 Gone.
    const group = `${fx.namespace}.heal.test`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    await kubectl(['create', '-f', '-'], { input: JSON.stringify(crd) });
    suite.onCleanup(() => kubectl(['delete', 'crd', crd.metadata.name, '--wait=false']));
    await kubectl(['wait', '--for=condition=Established', `crd/${crd.metadata.name}`, '--timeout=60s']);
    const widget = (name: string, set: string) =>
      JSON.stringify({
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name, namespace: fx.namespace, labels: { [LABEL]: set } },
      });
    // Creating through kubectl also waits until the API serves the new kind.
    for (const [name, set] of [
      ['a', 'one'],
      ['b', 'one'],
      ['other', 'two'],
    ] as const) {
      await kubectl(['create', '-f', '-'], { input: widget(name, set) });
    }
    const kube = Kube.load(kubeconfigPath());
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const errors: unknown[] = [];
    const done = watchObjects(kube, {
      group,
      kind: 'Widget',
      namespace: fx.namespace,
      labelSelector: `${LABEL}=one`,
      signal: controller.signal,
      resourceVersion: '1',
      onEvent: (e) => events.push(e),
      onError: (err) => errors.push(err),
    });
    try {
      await until('the relist', () => events.length > 0);
      const first = events[0]!;
      expect(first.type).toBe('listed');
      expect(first.type === 'listed' && first.reason).toBe('gone');
      expect(first.type === 'listed' && names(first.objects)).toEqual(['a', 'b']);
      // After the relist the watch runs from the list's resourceVersion: a new member arrives as an event.
      await kubectl(['create', '-f', '-'], { input: widget('c', 'one') });
      await until('the added event', () =>
        events.some((e) => e.type === 'added' && e.object.metadata.name === 'c'),
      );
      expect(events.map((e) => e.type)).toEqual(['listed', 'added']);
      expect(errors).toEqual([]);
    } finally {
      controller.abort();
      await done;
      kube.close();
    }
  });

  it('resumes from the last resourceVersion (bookmarks included) when a watch request ends, without listing again', async () => {
    const fx = await suite.fixture('watch-resume');
    await labelled(fx.namespace, 'a', 'one');
    const kube = Kube.load(kubeconfigPath());
    const w = collect(kube, fx.namespace, 'one', { timeoutSeconds: 3 });
    try {
      await until('the first list', () => w.events.length > 0);
      const started = Date.now();
      // The server sends a bookmark 2 s before a request times out, provided the resource has moved past what
      // the watch saw: a ConfigMap outside the selector moves it.
      await kubectl(['create', 'configmap', 'noise', '-n', fx.namespace]);
      await until('a bookmark', () => w.events.some((e) => e.type === 'bookmark'), 20_000);
      // Requests time out after 3–6 s: by 13 s at least two have ended and the watch went on each time.
      await new Promise((r) => setTimeout(r, Math.max(0, 13_000 - (Date.now() - started))));
      await kubectl(['label', 'configmap', 'a', '-n', fx.namespace, 'touched=yes']);
      await until('the modified event', () => w.events.some((e) => e.type === 'modified'));
      expect(w.events.filter((e) => e.type === 'listed')).toHaveLength(1);
      expect(kube.client.counts.LIST).toBe(1);
      expect(w.errors).toEqual([]);
    } finally {
      w.controller.abort();
      await w.done;
      kube.close();
    }
  });
  it('streams with credentials from an exec plugin too (the client-node path)', async () => {
    const fx = await suite.fixture('watch-exec');
    await labelled(fx.namespace, 'a', 'one');
    const config = parse(await readFile(kubeconfigPath(), 'utf8')) as {
      users: { user: Record<string, unknown> }[];
    };
    const creds = config.users[0]!.user as Record<string, string>;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-exec-watch-'));
    suite.onCleanup(() => rm(dir, { recursive: true, force: true }));
    const status = {
      clientCertificateData: Buffer.from(creds['client-certificate-data']!, 'base64').toString(),
      clientKeyData: Buffer.from(creds['client-key-data']!, 'base64').toString(),
    };
    const plugin = join(dir, 'credential.sh');
    await writeFile(
      plugin,
      `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status })}\nJSON\n`,
      { mode: 0o755 },
    );
    config.users[0]!.user = {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    };
    await writeFile(join(dir, 'kubeconfig'), stringify(config));
    const kube = Kube.load(join(dir, 'kubeconfig'));
    const w = collect(kube, fx.namespace, 'one', {});
    try {
      await until('the first list', () => w.events.length > 0);
      await kubectl(['label', 'configmap', 'a', '-n', fx.namespace, 'touched=yes']);
      await until('the modified event', () => w.events.some((e) => e.type === 'modified'));
      expect(w.errors).toEqual([]);
    } finally {
      w.controller.abort();
      await w.done;
      kube.close();
    }
  });
});

describe('self-heal watches', () => {
  it('watch only the kinds of the desired set and leave no request behind when aborted', async () => {
    const fx = await suite.fixture('heal-abort');
    const baseline = await serverWatches();
    const healer = await syncAndHeal(fx, {
      'cm.yaml': configMap('cm', 'desired'),
      'web.yaml': deployment('web'),
    });
    const open = await serverWatches();
    expect(open.configmaps - baseline.configmaps).toBe(1);
    expect(open.deployments - baseline.deployments).toBe(1);
    await healer.stop();
    // The server sees the disconnect; its gauge of running watches goes back to where it was.
    let after = await serverWatches();
    for (
      let i = 0;
      i < 50 && (after.configmaps !== baseline.configmaps || after.deployments !== baseline.deployments);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      after = await serverWatches();
    }
    expect(after).toEqual(baseline);
    // Nothing re-creates after the abort: a delete now stays a delete.
    await kubectl(['delete', 'configmap', 'cm', '-n', fx.namespace]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await fx.kube.get('v1', 'ConfigMap', fx.namespace, 'cm')).toBeUndefined();
    expect(healer.corrections).toEqual([]);
  });

  it('watch per namespace where RBAC forbids watching a kind in all namespaces', async () => {
    const fx = await suite.fixture('heal-rbac');
    const other = await createTestNamespace('heal-rbac-b');
    suite.onCleanup(() => other.cleanup());
    // An identity that may read and write ConfigMaps (and record Events) in the two namespaces only.
    await kubectl(['create', 'serviceaccount', 'healer', '-n', fx.namespace]);
    for (const ns of [fx.namespace, other.name]) {
      await kubectl([
        'create',
        'role',
        'healer',
        '-n',
        ns,
        '--verb=get,list,watch,patch,create',
        '--resource=configmaps,events.events.k8s.io',
      ]);
      await kubectl([
        'create',
        'rolebinding',
        'healer',
        '-n',
        ns,
        '--role=healer',
        `--serviceaccount=${fx.namespace}:healer`,
      ]);
    }
    const token = (await kubectl(['create', 'token', 'healer', '-n', fx.namespace, '--duration=1h'])).trim();
    const config = parse(await readFile(kubeconfigPath(), 'utf8')) as { users: { user: unknown }[] };
    config.users[0]!.user = { token };
    const dir = await mkdtemp(join(tmpdir(), 'gitops-rbac-'));
    suite.onCleanup(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'kubeconfig'), stringify(config));
    const limited = Kube.load(join(dir, 'kubeconfig'));
    suite.onCleanup(async () => limited.close());

    const errors: unknown[] = [];
    const healer = await syncAndHeal(
      fx,
      {
        'a.yaml': configMap('a', 'desired'),
        'b.yaml': configMap('b', 'desired').replace('  name: b\n', `  name: b\n  namespace: ${other.name}\n`),
      },
      { kube: limited, onError: (err) => errors.push(err) },
    );
    try {
      expect(errors.some((e) => e instanceof KubeApiError && e.status === 403)).toBe(true);
      await kubectl(['delete', 'configmap', 'a', '-n', fx.namespace]);
      await kubectl(['delete', 'configmap', 'b', '-n', other.name]);
      await until('both re-created', () => healer.corrections.length >= 2);
      expect(await fx.kube.get('v1', 'ConfigMap', other.name, 'b')).toBeDefined();
      expect(healer.corrections.map((c) => [c.ref.namespace, c.ref.name, c.outcome]).sort()).toEqual(
        [
          [fx.namespace, 'a', 'corrected'],
          [other.name, 'b', 'corrected'],
        ].sort(),
      );
    } finally {
      await healer.stop();
    }
  });
});
