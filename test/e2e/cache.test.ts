import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, branchFiles, createBareRepo, gitIn } from '../support/gitRepos.js';

// The repo cache end to end: real `drover run` processes against an authenticated smart-HTTP remote.

const TOKEN = 'e2e-cache-token-51c0ffee';
let repo: BareRepo;
let server: GitHttpServer;
let url: string;
let dataDir: string;
let workDir: string;

beforeAll(async () => {
  repo = await createBareRepo({ commits: 3 });
  server = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
  url = `${server.url}/${repo.name}.git`;
  dataDir = mkdtempSync(join(tmpdir(), 'drover-e2e-cache-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-e2e-cache-work-'));
});
afterAll(async () => {
  await server.close();
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

async function job(branch: string, extraEnv: Record<string, string> = {}) {
  const res = await runDrover(
    [
      'run',
      '--repo',
      url,
      '--data-dir',
      dataDir,
      '--branch',
      branch,
      '--prompt',
      'Cache check',
      '--agent-cmd',
      'echo cached >> README.md && git log --format=%s | wc -l > depth.txt',
      '--json',
    ],
    { env: { DROVER_WORK_DIR: workDir, DROVER_GIT_TOKEN: TOKEN, ...extraEnv } },
  );
  expect(res.code, res.stderr).toBe(0);
  return { record: JSON.parse(res.stdout), stderr: res.stderr };
}

describe('repo cache (drover run)', () => {
  it('prepares cold then warm from the cache, and pushes exactly what an uncached job pushes', async () => {
    const cold = await job('cache/cold');
    expect(cold.stderr).toContain('(repo cache: cold)');
    const warm = await job('cache/warm');
    expect(warm.stderr).toContain('(repo cache: warm)');
    const off = await job('cache/off', { DROVER_CACHE: 'off' });
    expect(off.stderr).not.toContain('repo cache');

    const expected = await branchFiles(repo.bareDir, 'cache/off');
    expect(await branchFiles(repo.bareDir, 'cache/cold')).toEqual(expected);
    expect(await branchFiles(repo.bareDir, 'cache/warm')).toEqual(expected);
    // Same tree and same parent: the pushed commits differ only in their message and dates.
    for (const b of ['cache/cold', 'cache/warm']) {
      expect(await gitIn(repo.bareDir, 'rev-parse', `${b}^{tree}`)).toBe(
        await gitIn(repo.bareDir, 'rev-parse', 'cache/off^{tree}'),
      );
      expect(await gitIn(repo.bareDir, 'rev-parse', `${b}^`)).toBe(
        await gitIn(repo.bareDir, 'rev-parse', 'main'),
      );
    }
    // Nothing of the token in the cache.
    const cacheDir = join(dataDir, 'cache');
    for (const e of readdirSync(cacheDir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) expect(readFileSync(join(e.parentPath, e.name), 'latin1')).not.toContain(TOKEN);
    }
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('shares one mirror between concurrent drover processes', async () => {
    const results = await Promise.all([1, 2, 3].map((i) => job(`cache/parallel-${i}`)));
    for (const r of results) expect(r.record.status).toBe('succeeded');
    const trees = await Promise.all(
      [1, 2, 3].map((i) => gitIn(repo.bareDir, 'rev-parse', `cache/parallel-${i}^{tree}`)),
    );
    expect(new Set(trees).size).toBe(1);
    expect(readdirSync(join(dataDir, 'cache')).filter((n) => !n.endsWith('.git'))).toEqual([]);
  });

  it('lists and prunes the cache', async () => {
    const list = await runDrover(['cache', 'list', '--json', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ url });
    expect(entries[0].sizeBytes).toBeGreaterThan(0);

    const text = await runDrover(['cache', 'list', '--data-dir', dataDir]);
    expect(text.stdout).toContain(url);

    const keep = await runDrover(['cache', 'prune', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(keep.stdout)).toEqual([]);
    const bad = await runDrover(['cache', 'prune', '--max-bytes', 'lots', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    const all = await runDrover(['cache', 'prune', '--all', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(all.stdout).map((e: { url: string }) => e.url)).toEqual([url]);
    expect(JSON.parse((await runDrover(['cache', 'list', '--json', '--data-dir', dataDir])).stdout)).toEqual(
      [],
    );
  });
});
