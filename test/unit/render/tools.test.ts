import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTool } from '../../../src/render/run-tool.ts';
import { createSandbox } from '../../../src/render/sandbox.ts';
import { detectMode } from '../../../src/render/detect.ts';
import { splitBySource } from '../../../src/render/helm.ts';
import { DEFAULT_TOOL_LIMITS, toolBinary } from '../../../src/render/tools.ts';
import { toolError } from '../../../src/render/tool-errors.ts';

const node = (script: string, limits: Partial<Parameters<typeof runTool>[0]> = {}) =>
  runTool({
    binary: process.execPath,
    args: ['-e', script],
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '' },
    timeoutMs: 20_000,
    maxOutputBytes: 1 << 20,
    maxMemoryBytes: 1 << 30,
    ...limits,
  });

// A zombie (killed, not yet reaped) counts as dead: it runs nothing.
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 8_000): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  return undefined;
}

describe('runTool', () => {
  it('returns stdout of a run that succeeds, and stderr of one that fails', async () => {
    const ok = await node('process.stdout.write("hello")');
    expect(ok).toEqual({ ok: true, stdout: Buffer.from('hello') });
    expect(await node('console.error("bad input"); process.exit(3)')).toEqual({
      ok: false,
      reason: 'exit',
      code: 3,
      stderr: 'bad input\n',
    });
  });

  it('kills a run over the time limit', async () => {
    const started = Date.now();
    const out = await node('setInterval(() => {}, 1000)', { timeoutMs: 300 });
    expect(out).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('stops reading and kills a run past the output limit', async () => {
    const out = await node('const b = "x".repeat(65536); setInterval(() => process.stdout.write(b), 1)', {
      maxOutputBytes: 200_000,
    });
    expect(out).toMatchObject({ ok: false, reason: 'output' });
  });

  it('kills a run whose resident memory passes the cap', async () => {
    const out = await node('const a = []; setInterval(() => a.push(Buffer.alloc(20e6, 1)), 20)', {
      maxMemoryBytes: 150 << 20,
    });
    expect(out).toMatchObject({ ok: false, reason: 'memory' });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await node('setInterval(() => {}, 1000)', { signal: controller.signal })).toMatchObject({
      ok: false,
      reason: 'aborted',
    });
  });

  it.each(['abort', 'timeout'] as const)(
    'kills the tool’s children with it on %s (its whole process group)',
    async (how) => {
      const dir = await mkdtemp(join(tmpdir(), 'kill-test-'));
      try {
        const pidFile = join(dir, 'pid');
        const script = `const c = require('node:child_process').spawn('sleep', ['300'], { stdio: 'ignore' });
          require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000);`;
        const controller = new AbortController();
        const run = node(script, how === 'abort' ? { signal: controller.signal } : { timeoutMs: 1500 });
        const grandchild = await waitFor(
          async () => Number(await readFile(pidFile, 'utf8').catch(() => '')) || undefined,
        );
        if (grandchild === undefined) throw new Error('the tool never started its child');
        expect(alive(grandchild)).toBe(true);
        if (how === 'abort') controller.abort();
        expect(await run).toMatchObject({ ok: false, reason: how === 'abort' ? 'aborted' : 'timeout' });
        const dead = await waitFor(async () => (alive(grandchild) ? undefined : true));
        console.log(`grandchild ${grandchild} after ${how}: ${dead ? 'gone' : 'alive'}`);
        expect(dead).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('passes only the environment it is given', async () => {
    process.env.GITOPS_TEST_SECRET = 'hunter2';
    const out = await node('process.stdout.write(JSON.stringify(Object.keys(process.env).sort()))');
    delete process.env.GITOPS_TEST_SECRET;
    expect(out.ok && JSON.parse(out.stdout.toString())).toEqual(['GOMEMLIMIT', 'PATH']);
  });
});

describe('createSandbox', () => {
  let parent: string | undefined;
  afterEach(async () => parent && rm(parent, { recursive: true, force: true }));

  it('writes the files into a private directory and removes it all on dispose', async () => {
    parent = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
    const box = await createSandbox(
      [
        { path: 'a/b/c.yaml', content: Buffer.from('c') },
        { path: 'top.txt', content: Buffer.from('t') },
      ],
      parent,
    );
    expect((await stat(box.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(join(box.repo, 'a/b/c.yaml'), 'utf8')).toBe('c');
    expect(box.toRepoPaths(`open ${box.repo}/a/b/c.yaml: bad; root ${box.repo}`)).toBe(
      'open a/b/c.yaml: bad; root .',
    );
    await box.dispose();
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses a path that climbs out, and leaves nothing behind', async () => {
    parent = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
    await expect(createSandbox([{ path: 'a/../../x', content: Buffer.from('') }], parent)).rejects.toThrow(
      'a/../../x: is not a path inside the repository',
    );
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('detectMode', () => {
  const f = (...paths: string[]) => paths.map((path) => ({ path, content: Buffer.from('') }));
  it.each([
    [['app/kustomization.yaml'], 'app', 'kustomize'],
    [['app/Kustomization'], 'app', 'kustomize'],
    [['kustomization.yml', 'Chart.yaml'], '.', 'kustomize'],
    [['app/Chart.yaml', 'app/templates/x.yaml'], 'app', 'helm'],
    [['app/sub/Chart.yaml', 'app/x.yaml'], 'app', 'plain'],
    [['app/x.yaml'], 'app/', 'plain'],
  ])('%j at %s → %s', (paths, path, mode) => {
    expect(detectMode(f(...paths), path)).toBe(mode);
  });
});

describe('splitBySource', () => {
  it('splits helm output by template and names files by repository path', () => {
    const out =
      '---\n# Source: mychart/templates/a.yaml\nkind: A\n---\n# Source: mychart/charts/sub/templates/b.yaml\nkind: B\n' +
      '---\n# Source: mychart/templates/a.yaml\nkind: A2\n';
    expect(
      splitBySource(out, 'charts/web', 'charts/web/Chart.yaml').map((f) => [
        f.path,
        Buffer.from(f.content).toString(),
      ]),
    ).toEqual([
      [
        'charts/web/templates/a.yaml',
        '# Source: mychart/templates/a.yaml\nkind: A\n---\n# Source: mychart/templates/a.yaml\nkind: A2\n',
      ],
      ['charts/web/charts/sub/templates/b.yaml', '# Source: mychart/charts/sub/templates/b.yaml\nkind: B\n'],
    ]);
  });
});

describe('toolBinary', () => {
  it('takes the environment variable, else the name on PATH', () => {
    expect(toolBinary('helm', { GITOPS_AGENT_HELM: '/opt/helm' })).toBe('/opt/helm');
    expect(toolBinary('kustomize', {})).toBe('kustomize');
  });
});

describe('toolError', () => {
  const run = {
    what: 'kustomize build',
    file: 'app/kustomization.yaml',
    ...DEFAULT_TOOL_LIMITS,
    toRepoPaths: (t: string) => t,
  };
  const exit = { ok: false as const, reason: 'exit' as const, code: 1, stderr: 'Error: fetch failed' };

  it('makes a failed build retryable (so not cached) only when it reached remote bases', () => {
    expect(toolError(exit, run).retryable).toBe(false);
    const remote = toolError(exit, { ...run, remote: true });
    expect(remote.retryable).toBe(true);
    expect(remote.message).toBe('app/kustomization.yaml: kustomize build failed: fetch failed');
  });
});
