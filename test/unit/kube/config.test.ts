import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConnection } from '../../../src/kube/config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));
async function kubeconfig(name: string, text: string): Promise<string> {
  dir ||= await mkdtemp(join(tmpdir(), 'gitops-kubeconfig-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
const config = (
  user: string,
  cluster = `server: https://127.0.0.1:6443/\n      certificate-authority-data: ${b64('CA')}`,
) => `
apiVersion: v1
kind: Config
current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters:
  - name: k
    cluster:
      ${cluster}
users:
  - name: u
    user: ${user}
`;

afterEach(() => {
  delete process.env.KUBECONFIG;
});

describe('loadConnection', () => {
  it('reads client certificates and the CA from inline data', async () => {
    const c = loadConnection(
      await kubeconfig(
        'certs',
        config(`{ client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }`),
      ),
    );
    expect(c.server).toBe('https://127.0.0.1:6443');
    expect(c.tls.ca?.toString()).toBe('CA');
    expect(c.tls.cert?.toString()).toBe('CERT');
    expect(c.tls.key?.toString()).toBe('KEY');
    expect(c.tls.rejectUnauthorized).toBe(true);
    expect(await c.authHeaders()).toEqual({});
    expect(c.delegate).toBeUndefined();
  });

  it.each([
    ['a bearer token', '{ token: abc }', { Authorization: 'Bearer abc' }],
    [
      'basic auth',
      '{ username: admin, password: s3cret }',
      { Authorization: `Basic ${b64('admin:s3cret')}` },
    ],
  ])('sends %s', async (_what, user, headers) => {
    expect(await loadConnection(await kubeconfig('auth', config(user))).authHeaders()).toEqual(headers);
  });

  it('reads a token file relative to the kubeconfig, and CA files too', async () => {
    await kubeconfig('token', ' from-file \n');
    await kubeconfig('ca.crt', 'CA-FILE');
    const c = loadConnection(
      await kubeconfig(
        'tf',
        config(
          '{ tokenFile: token }',
          'server: https://h:1\n      certificate-authority: ca.crt\n      tls-server-name: api.internal',
        ),
      ),
    );
    expect(await c.authHeaders()).toEqual({ Authorization: 'Bearer from-file' });
    expect(c.tls.ca?.toString()).toBe('CA-FILE');
    expect(c.tls.servername).toBe('api.internal');
  });

  it.each([
    ['an exec plugin', '{ exec: { apiVersion: client.authentication.k8s.io/v1, command: get-token } }'],
    ['an auth provider', '{ auth-provider: { name: oidc } }'],
  ])('hands %s to client-node', async (_what, user) => {
    const path = await kubeconfig('delegate', config(user));
    expect(loadConnection(path).delegate).toBe(path);
  });

  it('merges KUBECONFIG files, the first one winning', async () => {
    const a = await kubeconfig('a', config('{ token: first }'));
    const b = await kubeconfig(
      'b',
      config('{ token: second }').replace('current-context: c', 'current-context: other'),
    );
    process.env.KUBECONFIG = [join(dir, 'missing'), a, b].join(':');
    expect(await loadConnection().authHeaders()).toEqual({ Authorization: 'Bearer first' });
  });

  it('names the missing context', async () => {
    const path = await kubeconfig('bad', config('{}').replace('current-context: c', 'current-context: nope'));
    expect(() => loadConnection(path)).toThrow(`kubeconfig ${path}: current context "nope" not found`);
  });
});
