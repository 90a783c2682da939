import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../../test/support/gitHttpServer.js';
import { type BareRepo, createBareRepo, gitIn, hermeticGitEnv, runGit } from '../../test/support/gitRepos.js';
import { Git } from '../git/Git.js';
import { gitAuthEnv } from '../git/gitAuthEnv.js';
import { cloneRepo } from '../git/repoOps.js';
import { Masker } from '../secrets/Masker.js';
import { cloneWithCache } from './cloneWithCache.js';
import { RepoCache } from './RepoCache.js';

const logger = pino({ level: 'silent' });
let root: string;
let remote: BareRepo;
let url: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drover-cache-test-'));
  remote = await createBareRepo({ commits: 5 });
  url = pathToFileURL(remote.bareDir).href;
  // A second branch, so "identical to a fresh clone" covers --single-branch.
  await runGit(['branch', 'dev', 'main~2'], { cwd: remote.bareDir });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await remote.cleanup();
});

function newGit(secrets: string[] = []): Git {
  return new Git(new Masker(secrets), hermeticGitEnv());
}
const nextDir = () => join(root, `ws-${++n}`);
const cacheIn = (dir: string, maxBytes = 1 << 30, git = newGit()) =>
  new RepoCache({ dir, maxBytes, git, logger });

/** Everything a user could observe of a clone: HEAD, refs, remote/branch config, index and files. */
async function describeClone(dir: string) {
  const files: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else files[relative(dir, full)] = await readFile(full, 'utf8');
    }
  };
  await walk(dir);
  return {
    head: await gitIn(dir, 'rev-parse', 'HEAD'),
    symbolicHead: await gitIn(dir, 'symbolic-ref', 'HEAD'),
    tree: await gitIn(dir, 'ls-tree', '-r', 'HEAD'),
    refs: await gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    config: await gitIn(dir, 'config', '--local', '--get-regexp', '^(remote|branch)\\.'),
    status: await gitIn(dir, 'status', '--porcelain', '--untracked-files=all'),
    index: await gitIn(dir, 'ls-files', '--stage'),
    log: await gitIn(dir, 'log', '--format=%H %T %s'),
    files,
  };
}

describe('RepoCache', () => {
  it('gives a workspace identical to a fresh clone, cold and warm, default branch and a named base', async () => {
    const cacheDir = join(root, 'c1');
    const git = newGit();
    for (const baseRef of [undefined, 'dev', undefined]) {
      const fresh = nextDir();
      const plain = await cloneRepo(git, url, fresh, baseRef, {});
      const cached = nextDir();
      const res = await cacheIn(cacheDir).prepare(url, cached, baseRef, {});
      expect(res.baseRef).toBe(plain.baseRef);
      expect(res.baseSha).toBe(plain.baseSha);
      expect(await describeClone(cached)).toEqual(await describeClone(fresh));
      expect(await gitIn(cached, 'remote', 'get-url', 'origin')).toBe(url);
      // Self-contained: no alternates pointing into the cache.
      await expect(readFile(join(cached, '.git/objects/info/alternates'), 'utf8')).rejects.toThrow();
      await runGit(['fsck', '--connectivity-only'], { cwd: cached });
    }
    const entries = await cacheIn(cacheDir).list();
    expect(entries.map((e) => e.url)).toEqual([url]);
  });

  it('fetches what was pushed since the mirror was made', async () => {
    const cacheDir = join(root, 'c2');
    await cacheIn(cacheDir).prepare(url, nextDir(), 'main', {});
    const seed = nextDir();
    await runGit(['clone', '-q', url, seed]);
    await writeFile(join(seed, 'NEW.md'), 'new\n');
    await runGit(['add', '-A'], { cwd: seed });
    await runGit(['commit', '-q', '-m', 'new commit'], { cwd: seed });
    await runGit(['push', '-q', 'origin', 'HEAD:main'], { cwd: seed });
    const head = await gitIn(seed, 'rev-parse', 'HEAD');
    const ws = nextDir();
    const res = await cacheIn(cacheDir).prepare(url, ws, 'main', {});
    expect(res).toMatchObject({ cache: 'warm', baseSha: head });
    expect(await readFile(join(ws, 'NEW.md'), 'utf8')).toBe('new\n');
  });

  const corruptions: [string, (mirror: string) => Promise<void>][] = [
    [
      'deleted packs',
      async (m) => {
        const dir = join(m, 'objects/pack');
        for (const f of await readdir(dir)) await rm(join(dir, f));
      },
    ],
    ['garbage HEAD', (m) => writeFile(join(m, 'HEAD'), 'garbage\n')],
    [
      'truncated pack',
      async (m) => {
        const dir = join(m, 'objects/pack');
        const pack = (await readdir(dir)).find((f) => f.endsWith('.pack'))!;
        await truncate(join(dir, pack), 100);
      },
    ],
    ['missing metadata', (m) => rm(join(m, 'drover-cache.json'))],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`detects a corrupt entry (${name}) and rebuilds it`, async () => {
      const cacheDir = join(root, `c-${name.replace(/\W/g, '')}`);
      const first = await cacheIn(cacheDir).prepare(url, nextDir(), undefined, {});
      expect(first.cache).toBe('cold');
      const [entry] = await cacheIn(cacheDir).list();
      await corrupt(entry!.path);
      const ws = nextDir();
      const res = await cacheIn(cacheDir).prepare(url, ws, undefined, {});
      expect(res.cache).toBe(name === 'missing metadata' ? 'cold' : 'rebuilt');
      const fresh = nextDir();
      await cloneRepo(newGit(), url, fresh, undefined, {});
      expect(await describeClone(ws)).toEqual(await describeClone(fresh));
      expect((await cacheIn(cacheDir).prepare(url, nextDir(), undefined, {})).cache).toBe('warm');
    });
  }

  it('falls back to a plain clone when a corrupted pack slips past the cheap checks, then rebuilds', async () => {
    const cacheDir = join(root, 'c-bitrot');
    await cacheIn(cacheDir).prepare(url, nextDir(), undefined, {});
    const [entry] = await cacheIn(cacheDir).list();
    const packDir = join(entry!.path, 'objects/pack');
    const pack = join(packDir, (await readdir(packDir)).find((f) => f.endsWith('.pack'))!);
    const bytes = await readFile(pack);
    for (let i = 12; i < bytes.length - 20; i++) bytes[i] = 0; // same size, content destroyed
    await writeFile(pack, bytes);
    const opts = { cache: { enabled: true, dir: cacheDir, maxBytes: 1 << 30 }, logger };
    const ws = nextDir();
    const res = await cloneWithCache(newGit(), url, ws, undefined, {}, opts);
    expect(res.cache).toBe('fallback');
    const fresh = nextDir();
    await cloneRepo(newGit(), url, fresh, undefined, {});
    expect(await describeClone(ws)).toEqual(await describeClone(fresh));
    expect(await cacheIn(cacheDir).list()).toEqual([]);
    expect((await cloneWithCache(newGit(), url, nextDir(), undefined, {}, opts)).cache).toBe('cold');
  });

  it('serves concurrent jobs on one repo from one mirror', async () => {
    const cacheDir = join(root, 'c-concurrent');
    const dirs = Array.from({ length: 4 }, nextDir);
    const results = await Promise.all(dirs.map((d) => cacheIn(cacheDir).prepare(url, d, 'main', {})));
    expect(results.filter((r) => r.cache === 'cold')).toHaveLength(1);
    const described = await Promise.all(dirs.map(describeClone));
    for (const d of described) expect(d).toEqual(described[0]);
    expect((await readdir(cacheDir)).sort()).toEqual([`${RepoCache.keyOf(url)}.git`]);
  });

  it('evicts least recently used mirrors above the size limit; prune(0) empties the cache', async () => {
    const other = await createBareRepo({ name: 'other' });
    try {
      const otherUrl = pathToFileURL(other.bareDir).href;
      const cacheDir = join(root, 'c-lru');
      await cacheIn(cacheDir).prepare(url, nextDir(), undefined, {});
      const [first] = await cacheIn(cacheDir).list();
      // Room for about one mirror: using the second evicts the first (least recently used).
      await cacheIn(cacheDir, first!.sizeBytes + 1000).prepare(otherUrl, nextDir(), undefined, {});
      expect((await cacheIn(cacheDir).list()).map((e) => e.url)).toEqual([otherUrl]);
      const removed = await cacheIn(cacheDir).prune(0);
      expect(removed.map((e) => e.url)).toEqual([otherUrl]);
      expect(await readdir(cacheDir)).toEqual([]);
    } finally {
      await other.cleanup();
    }
  });

  it('fetches over authenticated HTTP without writing the token anywhere in the cache or workspace', async () => {
    const token = 'cache-secret-token-7f3a9c';
    const server = await startGitHttpServer({ projectRoot: remote.dir, token });
    try {
      const httpUrl = `${server.url}/${remote.name}.git`;
      const cacheDir = join(root, 'c-auth');
      const authEnv = gitAuthEnv(hermeticGitEnv(), httpUrl, token);
      const ws = nextDir();
      const git = newGit([token]);
      await cacheIn(cacheDir, 1 << 30, git).prepare(httpUrl, ws, undefined, authEnv);
      await cacheIn(cacheDir, 1 << 30, git).prepare(httpUrl, nextDir(), undefined, authEnv);
      expect(await gitIn(ws, 'remote', 'get-url', 'origin')).toBe(httpUrl);
      const header = authEnv.GIT_CONFIG_VALUE_0!.replace(/^Authorization: Basic /, '');
      const leaks = [
        ...(await grepTree(cacheDir, [token, header])),
        ...(await grepTree(ws, [token, header])),
      ];
      expect(leaks).toEqual([]);
      // Without credentials the cache does not hand out what it holds: the fetch is refused.
      await expect(cacheIn(cacheDir).prepare(httpUrl, nextDir(), undefined, {})).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('with spares: the next job gets a ready workspace identical to a fresh clone, never a stale one', async () => {
    const cacheDir = join(root, 'c-spare');
    const spareDir = join(root, 'spares');
    const cache = new RepoCache({ dir: cacheDir, maxBytes: 1 << 30, git: newGit(), logger, spareDir });
    for (const baseRef of [undefined, 'dev']) {
      expect((await cache.prepare(url, nextDir(), baseRef, {})).cache).not.toBe('spare');
      await cache.settled();
      const ws = nextDir();
      expect((await cache.prepare(url, ws, baseRef, {})).cache).toBe('spare');
      const fresh = nextDir();
      await cloneRepo(newGit(), url, fresh, baseRef, {});
      expect(await describeClone(ws)).toEqual(await describeClone(fresh));
      await cache.settled();
    }
    // The base moves on: the spare made at the old tip is not used (and is discarded).
    const seed = nextDir();
    await runGit(['clone', '-q', '--branch', 'dev', url, seed]);
    await writeFile(join(seed, 'DEV.md'), 'dev\n');
    await runGit(['add', '-A'], { cwd: seed });
    await runGit(['commit', '-q', '-m', 'dev moves'], { cwd: seed });
    await runGit(['push', '-q', 'origin', 'HEAD:dev'], { cwd: seed });
    const ws = nextDir();
    const res = await cache.prepare(url, ws, 'dev', {});
    expect(res).toMatchObject({ cache: 'warm', baseSha: await gitIn(seed, 'rev-parse', 'HEAD') });
    expect(await readFile(join(ws, 'DEV.md'), 'utf8')).toBe('dev\n');
    await cache.settled();
    // Evicting the mirror removes its spares too.
    await cache.prune(0);
    expect(await readdir(spareDir)).toEqual([]);
  });

  it('is skipped for local paths', async () => {
    expect(RepoCache.cacheable(remote.bareDir)).toBe(false);
    expect(RepoCache.cacheable(url)).toBe(true);
    expect(RepoCache.cacheable('git@github.com:org/app.git')).toBe(true);
    expect(RepoCache.cacheable('https://example.com/org/app.git')).toBe(true);
  });
});

/** Files under dir containing any of needles. */
async function grepTree(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const text = (await readFile(full)).toString('latin1');
    if (needles.some((needle) => text.includes(needle))) hits.push(full);
  }
  return hits;
}
