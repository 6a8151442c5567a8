import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { SyncTarget, TargetLimits } from '../core/types.ts';
import { credentialFreeUrl, type GitAuthSource } from '../source/source.ts';
import { renderFromCli } from './render-flags.ts';

/** Defaults of a sync target. */
export const DEFAULT_TARGET = {
  ref: 'main',
  path: '.',
  namespace: 'default',
  force: true,
  healthTimeoutSeconds: 120,
  healthFailureGraceSeconds: 120,
  prune: { enabled: true, allowEmpty: false, maxShare: 0.5, allowMass: false },
} as const;

/** A target and how to authenticate to its repository. */
export interface ResolvedTarget {
  target: SyncTarget;
  auth: GitAuthSource;
}

type Values = Record<string, string | boolean | undefined>;

const FILE_KEYS = new Set([
  'name',
  'repo',
  'ref',
  'path',
  'namespace',
  'inventoryNamespace',
  'force',
  'healthTimeoutSeconds',
  'healthFailureGraceSeconds',
  'prune',
  'auth',
  'adopt',
  'limits',
  'render',
  'syncTimeoutSeconds',
  'stageTimeoutSeconds',
]);

const LIMIT_KEYS: readonly (keyof TargetLimits)[] = [
  'maxFileBytes',
  'maxTotalBytes',
  'maxFiles',
  'maxFetchBytes',
  'maxObjects',
  'maxObjectBytes',
];

/** Builds the target from an optional YAML config file overlaid by flags; errors name the offending key. */
export async function resolveTarget(values: Values): Promise<ResolvedTarget> {
  const file = typeof values.config === 'string' ? await readConfig(values.config) : {};
  const str = (flag: string, key: string): string | undefined => {
    const v = values[flag] ?? file[key];
    if (v !== undefined && typeof v !== 'string') throw new Error(`${key} must be a string`);
    return v;
  };
  const repo = str('repo', 'repo');
  if (!repo) throw new Error('no repository: pass --repo URL or set repo in --config');
  const path = str('path', 'path') ?? DEFAULT_TARGET.path;
  const namespace = str('namespace', 'namespace') ?? DEFAULT_TARGET.namespace;
  const filePrune = (file.prune ?? {}) as Record<string, unknown>;
  const maxShare = Number(values['max-prune-share'] ?? filePrune.maxShare ?? DEFAULT_TARGET.prune.maxShare);
  if (!(maxShare > 0 && maxShare <= 1)) throw new Error('max-prune-share must be a number in (0, 1]');
  const timeout = Number(
    values['health-timeout'] ?? file.healthTimeoutSeconds ?? DEFAULT_TARGET.healthTimeoutSeconds,
  );
  if (!(timeout >= 0)) throw new Error('health-timeout must be a number of seconds, 0 or more');
  const grace = Number(
    values['health-failure-grace'] ??
      file.healthFailureGraceSeconds ??
      DEFAULT_TARGET.healthFailureGraceSeconds,
  );
  if (!(grace >= 0)) throw new Error('health-failure-grace must be a number of seconds, 0 or more');
  // Validated first so a bad URL is refused with its credentials removed; names never depend on them.
  const name = str('name', 'name') ?? defaultName(credentialFreeUrl(repo), path);
  if (!/^[a-z0-9]([-a-z0-9.]{0,200}[a-z0-9])?$/.test(name)) {
    throw new Error(`target name "${name}" must be a lowercase DNS subdomain (a-z, 0-9, '-', '.')`);
  }
  const fileAuth = (file.auth ?? {}) as Record<string, string | undefined>;
  return {
    target: {
      name,
      url: repo,
      ref: str('ref', 'ref') ?? DEFAULT_TARGET.ref,
      path,
      namespace,
      inventoryNamespace: str('inventory-namespace', 'inventoryNamespace') ?? namespace,
      force: values['no-force'] ? false : ((file.force as boolean | undefined) ?? DEFAULT_TARGET.force),
      healthTimeoutSeconds: timeout,
      healthFailureGraceSeconds: grace,
      adopt: values.adopt === true || file.adopt === true,
      prune: {
        enabled: values['no-prune'] ? false : ((filePrune.enabled as boolean | undefined) ?? true),
        allowEmpty: values['allow-empty'] === true || filePrune.allowEmpty === true,
        allowMass: values['allow-mass-prune'] === true || filePrune.allowMass === true,
        maxShare,
      },
      ...(file.limits === undefined ? {} : { limits: parseLimits(file.limits) }),
      ...renderFromCli(values, file.render),
      ...deadline(values['sync-timeout'] ?? file.syncTimeoutSeconds, 'sync-timeout', 'syncTimeoutSeconds'),
      ...deadline(
        values['stage-timeout'] ?? file.stageTimeoutSeconds,
        'stage-timeout',
        'stageTimeoutSeconds',
      ),
    },
    auth: {
      tokenFile: (values['token-file'] as string | undefined) ?? fileAuth.tokenFile,
      tokenEnv: (values['token-env'] as string | undefined) ?? fileAuth.tokenEnv,
      username: (values.username as string | undefined) ?? fileAuth.username,
    },
  };
}

// Unset deadlines are left out, so the engine's defaults (src/sync/deadline.ts) apply.
function deadline(
  value: unknown,
  flag: string,
  key: 'syncTimeoutSeconds' | 'stageTimeoutSeconds',
): Partial<SyncTarget> {
  if (value === undefined) return {};
  const seconds = Number(value);
  if (!(seconds > 0)) throw new Error(`${flag} must be a number of seconds above 0`);
  return { [key]: seconds };
}

// Limits come from the config file only: they are per target, and a flag per limit would crowd the CLI.
function parseLimits(value: unknown): TargetLimits {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('limits must be a mapping');
  const limits: TargetLimits = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key))
      throw new Error(`limits: unknown key "${key}" (known: ${LIMIT_KEYS.join(', ')})`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new Error(`limits.${key} must be a positive whole number`);
    limits[key as keyof TargetLimits] = v;
  }
  return limits;
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      cause: err,
    });
  }
  const doc = parse(text, { maxAliasCount: 0 }) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error(`${path}: expected a YAML mapping`);
  for (const key of Object.keys(doc)) {
    if (!FILE_KEYS.has(key))
      throw new Error(`${path}: unknown key "${key}" (known: ${[...FILE_KEYS].join(', ')})`);
  }
  return doc as Record<string, unknown>;
}

function defaultName(repo: string, path: string): string {
  const base =
    repo
      .replace(/\.git$/, '')
      .split('/')
      .filter(Boolean)
      .pop() ?? 'target';
  const slug = `${base}-${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // A short hash keeps two repositories with the same last path segment apart.
  const hash = createHash('sha256').update(`${repo}\0${path}`).digest('hex').slice(0, 6);
  return `${slug.slice(0, 40)}-${hash}`;
}
