import type { KubeObject } from '../core/types.ts';
import { isRecord } from './list.ts';

/** The outcome of checking one candidate: a well-formed object, or what is wrong with it. */
export type Validation = { ok: true; object: KubeObject } | { ok: false; message: string };

/**
 * Checks that a value is an object the agent can apply with server-side apply: a mapping with non-empty
 * string `apiVersion`, `kind` and `metadata.name`, and a string `metadata.namespace` when one is set.
 */
export function validateObject(value: unknown): Validation {
  if (!isRecord(value)) {
    return {
      ok: false,
      message: `a document must be a mapping (a Kubernetes object), not ${describe(value)}`,
    };
  }
  const problems: string[] = [];
  const requireString = (field: string, v: unknown): void => {
    if (v === undefined || v === null) problems.push(`${field} is missing`);
    else if (typeof v !== 'string')
      problems.push(`${field} must be a string, not ${describe(v)}${QUOTE_HINT}`);
    else if (v === '') problems.push(`${field} must not be empty`);
  };
  requireString('apiVersion', value.apiVersion);
  requireString('kind', value.kind);
  const metadata = value.metadata;
  if (metadata !== undefined && metadata !== null && !isRecord(metadata)) {
    problems.push(`metadata must be a mapping, not ${describe(metadata)}`);
  } else {
    const { name, namespace, generateName } = metadata ?? {};
    if ((name === undefined || name === null || name === '') && generateName !== undefined) {
      problems.push('metadata.generateName is not supported: server-side apply needs metadata.name');
    } else {
      requireString('metadata.name', name);
    }
    if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
      problems.push(`metadata.namespace must be a string, not ${describe(namespace)}${QUOTE_HINT}`);
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return { ok: true, object: value as KubeObject };
}

// kubectl reads `name: no` as false and `name: 0123` as 83; quoting is the fix users need to hear about.
const QUOTE_HINT = ' (quote the value to keep it a string)';

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a sequence';
  if (isRecord(value)) return 'a mapping';
  const text = JSON.stringify(value);
  return `the ${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}
