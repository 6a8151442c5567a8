import { describe, expect, it } from 'vitest';
import { redact, splitUrlCredentials } from '../../../src/source/auth.ts';
import { AgentError } from '../../../src/core/errors.ts';

describe('redact', () => {
  it.each([
    ['http://git:s3cr3t-T0KEN@host/repo.git', 'http://host/repo.git'],
    ['http://git:ab/s3cr3t-T0KEN@host/repo.git', 'http://host/repo.git'],
    ['https://u:p?q#r@host/x.git failed', 'https://host/x.git failed'],
    ['see "https://x-access-token:gh/p_abc@github.com/a/b.git".', 'see "https://github.com/a/b.git".'],
    ['https://host/repo.git', 'https://host/repo.git'],
    ['two: http://a:b@h1/r and https://c:d/e@h2/s', 'two: http://h1/r and https://h2/s'],
  ])('%j becomes %j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });
});

describe('splitUrlCredentials', () => {
  it('names an invalid URL without any of its credentials', () => {
    let error: unknown;
    try {
      splitUrlCredentials('http://git:ab/s3cr3t-T0KEN@host/repo.git');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AgentError);
    expect((error as Error).message).toBe('invalid repository URL http://host/repo.git');
  });
});
