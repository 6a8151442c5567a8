import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/agent/redact.ts';
import { createLogger } from '../../../src/agent/log.ts';

const TOKEN = 'ghp_1234567890abcdef';

describe('Redactor', () => {
  const r = new Redactor();
  r.add(TOKEN, Buffer.from(`git:${TOKEN}`).toString('base64'), '', 'ab');
  const cases: [string, string, string][] = [
    ['a known token anywhere', `fetch failed: ${TOKEN} rejected`, 'fetch failed: *** rejected'],
    [
      'credentials in a URL',
      'GET https://user:pa55word@git.example.com/x.git: 401',
      'GET https://git.example.com/x.git: 401',
    ],
    ['a bearer header', 'Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer ***'],
    ['a basic header', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic ***'],
    ['a token query parameter', 'https://h/x?private_token=abc123&x=1', 'https://h/x?private_token=***&x=1'],
    [
      'the basic encoding of a known token',
      `sent ${Buffer.from(`git:${TOKEN}`).toString('base64')}`,
      'sent ***',
    ],
    ['short strings are not secrets', 'ab cd', 'ab cd'],
  ];
  it.each(cases)('masks %s', (_what, input, output) => expect(r.redact(input)).toBe(output));

  it('redacts values deeply, secret-named fields whatever they hold, and errors with their message and stack', () => {
    const out = r.redactValue({
      auth: { password: 'hunter22', username: 'git' },
      list: [`x ${TOKEN}`],
      err: new Error(`clone of https://u:${TOKEN}@h/r.git failed`),
    }) as Record<string, unknown>;
    expect(out.auth).toEqual({ password: '***', username: 'git' });
    expect(out.list).toEqual(['x ***']);
    const err = out.err as { message: string; stack: string; type: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('clone of https://h/r.git failed');
    expect(err.stack).not.toContain(TOKEN);
  });
});

describe('createLogger', () => {
  it('writes no token in any field, message or error', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const redactor = new Redactor();
    redactor.add(TOKEN);
    const log = createLogger({ redactor, destination: sink, level: 'debug' });
    log.error(new Error(`bare error with ${TOKEN}`));
    log.warn({ err: new Error(`wrapped ${TOKEN}`), url: `https://x:${TOKEN}@h/r` }, `message ${TOKEN}`);
    log.info({ nested: { deep: { deeper: [TOKEN] } } }, 'nested');
    log.debug('format %s', TOKEN);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain(TOKEN);
    const first = JSON.parse(lines[0]!) as { msg: string; err: { message: string } };
    expect(first.msg).toBe('bare error with ***');
    expect(first.err.message).toBe('bare error with ***');
  });
});
