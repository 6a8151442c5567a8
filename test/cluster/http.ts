// Minimal HTTPS JSON client for the control plane's own startup checks (client-cert auth from PEM files).
import fs from 'node:fs';
import https from 'node:https';

/** Client TLS material; without ca the server certificate is not verified (self-signed health endpoints). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Status code and body of a response; json is undefined when the body is not JSON. */
export interface HttpResult {
  status: number;
  text: string;
  json: unknown;
}

/** Sends one request with a 5 s timeout; network errors reject, HTTP errors resolve with their status. */
export function request(
  url: string,
  tls: TlsFiles,
  opts: { method?: string; body?: unknown } = {},
): Promise<HttpResult> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: tls.ca ? fs.readFileSync(tls.ca) : undefined,
        cert: tls.cert ? fs.readFileSync(tls.cert) : undefined,
        key: tls.key ? fs.readFileSync(tls.key) : undefined,
        rejectUnauthorized: tls.ca !== undefined,
        headers: payload ? { 'content-type': 'application/json', accept: 'application/json' } : {},
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}
