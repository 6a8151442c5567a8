import { describe, expect, it } from 'vitest';
import { withStandInHead } from '../../../src/source/advertisement.ts';

const pkt = (line: string): string => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const advert = (...refs: string[]): Uint8Array =>
  Buffer.from(pkt('# service=git-upload-pack\n') + '0000' + refs.map(pkt).join('') + '0000');
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('withStandInHead', () => {
  it('adds a HEAD at the first branch, carrying the capabilities, when the remote advertises none', () => {
    const out = withStandInHead(
      advert(`${A} refs/heads/release\0multi_ack side-band-64k\n`, `${B} refs/tags/v1\n`),
    );
    expect(text(out)).toBe(
      text(
        advert(`${A} HEAD\0multi_ack side-band-64k\n`, `${A} refs/heads/release\n`, `${B} refs/tags/v1\n`),
      ),
    );
  });

  it('leaves an advertisement with a HEAD, or without any branch, as it is', () => {
    const withHead = advert(`${A} HEAD\0caps\n`, `${A} refs/heads/main\n`);
    expect(withStandInHead(withHead)).toBe(withHead);
    const tagsOnly = advert(`${B} refs/tags/v1\0caps\n`);
    expect(withStandInHead(tagsOnly)).toBe(tagsOnly);
    const empty = advert(`${'0'.repeat(40)} capabilities^{}\0caps\n`);
    expect(withStandInHead(empty)).toBe(empty);
  });

  it('leaves a body that is not pkt-lines alone', () => {
    const html = Buffer.from('<html>proxy error</html>');
    expect(withStandInHead(html)).toBe(html);
  });
});
