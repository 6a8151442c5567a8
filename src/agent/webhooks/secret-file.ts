import { readFile, stat } from 'node:fs/promises';

/** A webhook secret file that cannot be used: missing, unreadable or empty. Retryable: the file may appear. */
export class WebhookSecretError extends Error {
  readonly code = 'WEBHOOK_SECRET_UNREADABLE';
  readonly retryable = true;
  readonly file: string;

  constructor(file: string, why: string, cause?: unknown) {
    super(`webhook secret file ${file}: ${why}`, { cause });
    this.name = 'WebhookSecretError';
    this.file = file;
  }
}

/** A secret kept in a file (a mounted Secret): read again whenever the file changes, trailing newline dropped. */
export class SecretFile {
  readonly path: string;
  #stamp = '';
  #value: Buffer | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** The current secret; rejects with WebhookSecretError when the file cannot be read or is empty (so nothing verifies against ""). */
  async read(): Promise<Buffer> {
    let text: string;
    let stamp: string;
    try {
      const s = await stat(this.path);
      // A mounted Secret changes by swapping a symlink: a new inode, or new times and size.
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      if (stamp === this.#stamp && this.#value !== undefined) return this.#value;
      text = (await readFile(this.path)).toString('utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new WebhookSecretError(this.path, (err as NodeJS.ErrnoException).code ?? 'cannot be read', err);
    }
    if (text.length === 0) throw new WebhookSecretError(this.path, 'is empty');
    this.#value = Buffer.from(text, 'utf8');
    this.#stamp = stamp;
    return this.#value;
  }
}
