import { redact as redactUrlsAndSecrets } from '../source/auth.ts';

// Credentials that can appear in text without the agent having been told them.
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***'],
  [/([?&](?:access_token|token|password|private_token)=)[^&\s"']+/gi, '$1***'],
];

/**
 * Removes secrets from text: every secret the agent has been told (Git tokens and their basic-auth
 * encodings), `user:pass@` in URLs, bearer and basic credentials, and token query parameters.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Adds secrets to mask from now on; empty and very short strings are ignored (they would mask words). */
  add(...secrets: (string | undefined)[]): void {
    for (const s of secrets) if (s && s.length >= 4) this.#secrets.add(s);
  }

  /** The text with every known secret and credential pattern masked as `***`. */
  redact(text: string): string {
    let out = redactUrlsAndSecrets(
      text,
      [...this.#secrets].sort((a, b) => b.length - a.length),
    );
    for (const [re, to] of PATTERNS) out = out.replace(re, to);
    return out;
  }

  /** A deep copy of a value with every string redacted (objects nested deeper than 8 levels are cut). */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value instanceof Error) return this.redactValue(errorFields(value), depth);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v, depth + 1));
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEYS.test(k) && typeof v === 'string' ? '***' : this.redactValue(v, depth + 1),
      ]),
    );
  }
}

// Fields whose value is a secret whatever it looks like.
const SECRET_KEYS = /^(password|token|authorization|secret|bearer)$/i;

/** The fields of an error worth logging, as a plain object (an Error's own fields are not enumerable). */
export function errorFields(err: Error): Record<string, unknown> {
  const extra = err as Error & { code?: unknown; stage?: unknown; retryable?: unknown };
  return {
    type: err.name,
    message: err.message,
    stack: err.stack,
    ...(extra.code !== undefined ? { code: extra.code } : {}),
    ...(extra.stage !== undefined ? { stage: extra.stage } : {}),
    ...(extra.retryable !== undefined ? { retryable: extra.retryable } : {}),
  };
}
