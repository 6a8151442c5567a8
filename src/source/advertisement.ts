// pkt-line framing of Git's smart-HTTP ref advertisement: a 4-hex-digit length (its own 4 bytes included),
// then the payload; `0000` is a flush. https://git-scm.com/docs/protocol-common#_pkt_line_format

/**
 * Adds a stand-in `HEAD` line to a v1 upload-pack ref advertisement that has none. A remote whose HEAD names a
 * deleted branch advertises no HEAD, and isomorphic-git's fetch then fails with "Could not find HEAD." after
 * downloading the pack, although the agent fetches a named ref and never reads HEAD (isomorphic-git
 * src/commands/fetch.js resolves `HEAD` to report the default branch; git itself only warns). The stand-in points
 * at the first branch, carries the capabilities, and is returned unchanged when HEAD is advertised or no branch is.
 */
export function withStandInHead(body: Uint8Array): Uint8Array {
  const lines = parse(Buffer.from(body));
  if (!lines) return body;
  const refLines = lines.flatMap((l, i) => (l !== null && i > firstFlush(lines) ? [i] : []));
  const refs = refLines.map((i) => splitRef(lines[i]!));
  if (refs.length === 0 || refs.some((r) => r.name === 'HEAD')) return body;
  const branch = refs.find((r) => r.name.startsWith('refs/heads/'));
  const first = refs[0]!;
  if (!branch || first.caps === undefined) return body;
  const head = Buffer.from(`${branch.oid} HEAD\0${first.caps}\n`);
  const firstIndex = refLines[0]!;
  const out = [...lines];
  out.splice(firstIndex, 1, head, Buffer.from(`${first.oid} ${first.name}\n`));
  return encode(out);
}

function firstFlush(lines: (Buffer | null)[]): number {
  // A smart-HTTP advertisement starts with "# service=git-upload-pack" and a flush; a bare one does not.
  const service = lines[0]?.toString('latin1').startsWith('# service=');
  return service ? lines.indexOf(null) : -1;
}

function splitRef(line: Buffer): { oid: string; name: string; caps: string | undefined } {
  const text = line.toString('latin1').replace(/\n$/, '');
  const [ref = '', caps] = text.split('\0');
  const space = ref.indexOf(' ');
  return { oid: ref.slice(0, space), name: ref.slice(space + 1), caps };
}

function parse(buf: Buffer): (Buffer | null)[] | undefined {
  const lines: (Buffer | null)[] = [];
  for (let at = 0; at < buf.length;) {
    const length = Number.parseInt(buf.toString('latin1', at, at + 4), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || at + Math.max(length, 4) > buf.length)
      return undefined;
    lines.push(length === 0 ? null : buf.subarray(at + 4, at + length));
    at += length === 0 ? 4 : length;
  }
  return lines;
}

function encode(lines: (Buffer | null)[]): Uint8Array {
  return Buffer.concat(
    lines.map((l) =>
      l === null
        ? Buffer.from('0000')
        : Buffer.concat([Buffer.from((l.length + 4).toString(16).padStart(4, '0')), l]),
    ),
  );
}
