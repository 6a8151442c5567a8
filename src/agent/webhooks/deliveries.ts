/** The delivery ids seen last, at most `capacity` of them; the least recently seen is forgotten first. */
export class SeenDeliveries {
  readonly #ids = new Map<string, true>();
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Changes how many ids are kept, dropping the oldest if there are more. */
  resize(capacity: number): void {
    this.#capacity = capacity;
    this.#trim();
  }

  /** Whether `id` was recorded before; a hit counts as seen again (moves it to the newest end). */
  has(id: string): boolean {
    if (!this.#ids.has(id)) return false;
    this.#ids.delete(id);
    this.#ids.set(id, true);
    return true;
  }

  /** Records `id` as seen now. */
  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.set(id, true);
    this.#trim();
  }

  /** How many ids are kept now. */
  get size(): number {
    return this.#ids.size;
  }

  #trim(): void {
    for (const oldest of this.#ids.keys()) {
      if (this.#ids.size <= this.#capacity) break;
      this.#ids.delete(oldest);
    }
  }
}
