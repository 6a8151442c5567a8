import { readFile } from 'node:fs/promises';
import { HostError } from '../../status/errors.ts';
import type { TokenSource } from '../../status/types.ts';
import type { HostSettings } from '../config-host.ts';
import type { Redactor } from '../redact.ts';

/**
 * The token reader of a host config: the file is read at every use (a rotated Secret is picked up at the next
 * post), the variable at every use too; each value read is handed to the redactor before anyone can log it.
 */
export function tokenSource(token: HostSettings['token'], redactor: Redactor): TokenSource {
  return async () => {
    let value: string | undefined;
    if ('file' in token) {
      try {
        value = (await readFile(token.file, 'utf8')).trim();
      } catch (err) {
        throw new HostError(
          `cannot read the host token file ${token.file}: ${(err as NodeJS.ErrnoException).code}`,
          {
            code: 'HOST_TOKEN',
            status: 0,
            retryable: false,
          },
        );
      }
    } else value = process.env[token.env]?.trim();
    if (!value)
      throw new HostError(
        `the host token ${'file' in token ? `file ${token.file}` : `variable ${token.env}`} is empty`,
        {
          code: 'HOST_TOKEN',
          status: 0,
          retryable: false,
        },
      );
    redactor.add(value, Buffer.from(`:${value}`).toString('base64'));
    return value;
  };
}
