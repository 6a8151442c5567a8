// Throw-away PKI for a local control plane, made with the openssl CLI: a CA, the apiserver's serving cert, an
// admin client cert in system:masters, the service-account key pair and an admin kubeconfig.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the generated files, all inside the run directory. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

const SERVER_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  // First address of the service CIDR, i.e. the in-cluster `kubernetes` Service.
  'IP:10.96.0.1',
];

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: err });
  }
}

async function signedCert(dir: string, name: string, subject: string, ext: string): Promise<void> {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  const key = ['-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`];
  await openssl(dir, ['req', ...key, '-out', `${name}.csr`, '-subj', subject]);
  // A serial file per certificate, because the certificates are signed concurrently.
  const ca = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAserial', `${name}.srl`, '-CAcreateserial'];
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    ...ca,
    '-days',
    '3650',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
}

/** Generates the CA, serving, admin and service-account keys and certificates in dir. */
export async function generatePki(dir: string): Promise<Pki> {
  const ca = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt'];
  await openssl(dir, [...ca, '-days', '3650', '-subj', '/CN=gitops-testenv-ca']);
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await Promise.all([
    signedCert(
      dir,
      'apiserver',
      '/CN=kube-apiserver',
      `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=${SERVER_SANS.join(',')}\n`,
    ),
    signedCert(
      dir,
      'admin',
      '/O=system:masters/CN=gitops-testenv-admin',
      `${leaf}extendedKeyUsage=clientAuth\n`,
    ),
    openssl(dir, ['genrsa', '-out', 'sa.key', '2048']).then(() =>
      openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']),
    ),
  ]);
  const p = (f: string): string => path.join(dir, f);
  return {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

/** Writes an admin kubeconfig with embedded certificates for server and returns its path. */
export function writeKubeconfig(dir: string, server: string, pki: Pki): string {
  const b64 = (f: string): string => fs.readFileSync(f).toString('base64');
  const file = path.join(dir, 'admin.kubeconfig');
  // JSON is valid YAML, and every kubeconfig reader accepts it.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'testenv', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) },
      },
    ],
    contexts: [{ name: 'testenv', context: { cluster: 'testenv', user: 'admin', namespace: 'default' } }],
    'current-context': 'testenv',
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return file;
}
