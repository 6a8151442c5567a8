// The Dockerfile and the chart agree with the repository: the image's version label and the chart's appVersion
// are package.json's, the app is laid out by scripts/image-layout.sh, the tools come from test/tools' pins, and
// .dockerignore lets in every file the Dockerfile copies.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const text = (path: string) => readFile(path, 'utf8');

describe('Dockerfile', () => {
  it('labels the image with package.json’s version, as the chart’s appVersion', async () => {
    const { version } = JSON.parse(await text('package.json')) as { version: string };
    expect(await text('Dockerfile')).toMatch(
      new RegExp(`^ARG VERSION=${version.replace(/\./g, '\\.')}$`, 'm'),
    );
    expect((parse(await text('charts/gitops-agent/Chart.yaml')) as { appVersion: string }).appVersion).toBe(
      version,
    );
  });

  it('lays out the app with scripts/image-layout.sh and builds helm and kustomize with test/tools/build.sh', async () => {
    const dockerfile = await text('Dockerfile');
    expect(dockerfile).toContain('RUN bash scripts/image-layout.sh /app');
    expect(dockerfile).toMatch(/build\.sh helm[\s\S]*build\.sh kustomize/);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
  });

  it('runs the agent under tini, which reaps orphaned tool processes and forwards SIGTERM to node', async () => {
    const dockerfile = await text('Dockerfile');
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/gitops-agent\.mjs"\]$/m,
    );
    expect(dockerfile).toMatch(/^CMD \["run", "--config", "\/etc\/gitops-agent\/agent\.yaml"\]$/m);
  });

  it('installs git and ca-certificates for remote kustomize bases, without recommends, and drops the apt lists', async () => {
    const dockerfile = await text('Dockerfile');
    const install = /apt-get install -y --no-install-recommends ([^\\\n]+)/.exec(dockerfile);
    expect(install?.[1]?.trim().split(' ')).toEqual(
      expect.arrayContaining(['git', 'ca-certificates', 'tini']),
    );
    // The lists are removed in the same layer, so the image does not keep them.
    expect(dockerfile).toMatch(/--no-install-recommends [^\n]*\n && rm -rf \/var\/lib\/apt\/lists\/\*$/m);
  });

  it('copies only files .dockerignore lets into the build context', async () => {
    const allowed = (await text('.dockerignore'))
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = [...(await text('Dockerfile')).matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(' '),
    );
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied)
      expect({ source, allowed: allowed.includes(source.replace(/\/$/, '')) }).toEqual({
        source,
        allowed: true,
      });
  });
});
