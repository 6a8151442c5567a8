import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Kube } from '../../../src/kube/objects.ts';
import { kubeconfigPath } from '../../support/cluster.ts';

describe('a kubeconfig whose user is an exec plugin', () => {
  it('authenticates through client-node, loaded only for it', async () => {
    const admin = parse(await readFile(kubeconfigPath(), 'utf8')) as {
      users: { user: Record<string, string> }[];
    };
    const creds = admin.users[0]!.user;
    const dir = await mkdtemp(join(tmpdir(), 'gitops-exec-'));
    const plugin = join(dir, 'credential.sh');
    const status = {
      clientCertificateData: Buffer.from(creds['client-certificate-data']!, 'base64').toString(),
      clientKeyData: Buffer.from(creds['client-key-data']!, 'base64').toString(),
    };
    await writeFile(
      plugin,
      `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status })}\nJSON\n`,
    );
    await chmod(plugin, 0o755);
    admin.users[0]!.user = {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    } as never;
    const path = join(dir, 'kubeconfig');
    await writeFile(path, stringify(admin));

    const kube = Kube.load(path);
    try {
      const ns = await kube.get('v1', 'Namespace', '', 'kube-system');
      expect(ns?.metadata.name).toBe('kube-system');
      expect(kube.client.counts.GET).toBe(1);
    } finally {
      kube.close();
      // The plugin script holds a copy of the admin key.
      await rm(dir, { recursive: true, force: true });
    }
  });
});
