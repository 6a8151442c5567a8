import { readFile, stat } from 'node:fs/promises';

/** A secret kept in a file (a mounted Secret): read again whenever the file changes, trailing newline dropped. */
export class SecretFile {
  readonly path: string;
  #stamp = '';
  #value: Buffer | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** The current secret; rejects when the file cannot be read or is empty (so nothing verifies against ""). */
  async read(): Promise<Buffer> {
    const s = await stat(this.path);
    // A mounted Secret changes by swapping a symlink: a new inode, or new times and size.
    const stamp = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    if (stamp !== this.#stamp || this.#value === undefined) {
      const text = (await readFile(this.path)).toString('utf8').replace(/\r?\n$/, '');
      if (text.length === 0) throw new Error(`webhook secret file ${this.path} is empty`);
      this.#value = Buffer.from(text, 'utf8');
      this.#stamp = stamp;
    }
    return this.#value;
  }
}
