import { coordinatesOf, webUrlOf } from '../../status/coordinates.ts';
import type { HostCoordinates, StatusWriter } from '../../status/types.ts';
import { createWriter } from '../../status/writer.ts';
import type { TargetConfig } from '../config.ts';
import type { HostSettings } from '../config-host.ts';
import type { Redactor } from '../redact.ts';
import { tokenSource } from './token.ts';

/** A target's writer with what it was built from. */
export interface TargetWriter {
  writer: StatusWriter;
  coords: HostCoordinates;
  settings: HostSettings;
  /** The status context of the target's syncs. */
  context: string;
}

/**
 * Builds each target's writer once per host config (a reloaded config with other host keys builds a new one);
 * a repository URL that names no known host is an error naming the target.
 */
export class WriterCache {
  readonly #cache = new Map<string, { key: string; value: TargetWriter }>();
  readonly #redactor: Redactor;
  readonly #cluster: string;

  constructor(cluster: string, redactor: Redactor) {
    this.#cluster = cluster;
    this.#redactor = redactor;
  }

  /** The target's writer, or undefined when it has no `host` key. */
  get(cfg: TargetConfig): TargetWriter | undefined {
    const settings = cfg.host;
    if (!settings) return undefined;
    const key = JSON.stringify([cfg.target.url, settings]);
    const hit = this.#cache.get(cfg.target.name);
    if (hit?.key === key) return hit.value;
    const coords = coordinatesOf(cfg.target.url, settings);
    const web = webUrlOf(cfg.target.url, coords);
    const value = {
      writer: createWriter(coords, tokenSource(settings.token, this.#redactor), web),
      coords,
      settings,
      context: settings.context ?? `gitops-agent/${this.#cluster}/${cfg.target.name}`,
    };
    this.#cache.set(cfg.target.name, { key, value });
    return value;
  }

  /** Forgets a removed target. */
  forget(target: string): void {
    this.#cache.delete(target);
  }
}
