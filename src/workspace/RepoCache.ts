import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CloneError } from '../errors.js';
import { type Git, lastLines } from '../git/Git.js';
import type { CloneResult } from '../git/repoOps.js';
import { FileLock } from './FileLock.js';
import {
  type EntryMeta,
  entryProblem,
  MIRROR_CONFIG,
  packManifest,
  readMeta,
  treeSize,
} from './mirrorEntry.js';
import { removeTree } from './Workspace.js';

export interface RepoCacheOptions {
  /** Where the mirrors live (<dataDir>/cache). */
  dir: string;
  /** Total size above which least-recently-used mirrors are evicted. */
  maxBytes: number;
  /** Needed by prepare(); list/prune/drop only touch files. */
  git?: Git;
  logger?: Logger;
  lockTimeoutMs?: number;
}

export interface CachedCloneResult extends CloneResult {
  /** warm: the mirror existed; cold: it was created; rebuilt: it was found corrupt and recreated. */
  cache: 'warm' | 'cold' | 'rebuilt';
}

export interface CacheEntryInfo {
  key: string;
  path: string;
  url: string;
  sizeBytes: number;
  createdAt: string;
  lastUsedAt: string;
}

/** Packs above which a mirror is repacked (every fetch keeps its own pack: see MIRROR_CONFIG). */
const MAX_PACKS = 16;
/** A full connectivity check (git fsck) of a mirror at most this often; cheap checks run on every use. */
const FULL_VERIFY_EVERY_MS = 24 * 3_600_000;

/**
 * Per-repo bare mirrors under <dataDir>/cache, so a job pays for checkout rather than a full clone.
 * Each job fetches its base branch into the mirror with its own credentials (sent through git's
 * environment, so nothing of the token is written), under a per-repo lock shared by every process on
 * the machine; the workspace is then a plain copy (no hardlinks, no alternates: the agent can never
 * reach the mirror through it) whose origin is the real URL.
 */
export class RepoCache {
  constructor(private readonly opts: RepoCacheOptions) {}

  /** Remote URLs are cached; a local path is already cloned with hardlinks by git. */
  static cacheable(url: string): boolean {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/:]+@[^/:]+:/.test(url);
  }

  static keyOf(url: string): string {
    const slug = url
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .replace(/\.git$/, '')
      .replace(/[^a-zA-Z0-9._-]+/g, '_')
      .slice(-40);
    return `${slug}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
  }

  private paths(key: string) {
    return { repo: join(this.opts.dir, `${key}.git`), lock: join(this.opts.dir, `${key}.lock`) };
  }

  /** Fetches baseRef (default: the remote's HEAD branch) into the mirror and copies it into dir, checked out. */
  async prepare(
    url: string,
    dir: string,
    baseRef: string | undefined,
    authEnv: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CachedCloneResult> {
    const git = this.opts.git;
    if (!git) throw new Error('RepoCache.prepare needs a Git');
    const key = RepoCache.keyOf(url);
    const { repo } = this.paths(key);
    const base = baseRef ?? (await remoteDefaultBranch(git, url, authEnv));
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    let cache: CachedCloneResult['cache'] = 'warm';
    await this.withLock(key, signal, async () => {
      const meta = await readMeta(repo);
      const problem = meta ? await entryProblem(repo, meta, url) : 'missing';
      if (problem) {
        if (problem !== 'missing')
          this.opts.logger?.warn({ url, problem }, 'repo cache entry corrupt; rebuilding');
        cache = problem === 'missing' ? 'cold' : 'rebuilt';
        await this.create(repo, url);
      } else if (Date.now() - Date.parse(meta!.verifiedAt) > FULL_VERIFY_EVERY_MS) {
        const fsck = await git.run(['--git-dir', repo, 'fsck', '--connectivity-only', '--no-progress'], {
          allowFailure: true,
        });
        if (fsck.exitCode !== 0) {
          this.opts.logger?.warn(
            { url, detail: lastLines(fsck.stderr) },
            'repo cache entry corrupt; rebuilding',
          );
          cache = 'rebuilt';
          await this.create(repo, url);
        }
      }
      const ref = `refs/heads/${base}`;
      const fetch = await git.run(
        [
          '--git-dir',
          repo,
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--',
          url,
          `+${ref}:${ref}`,
        ],
        { env: authEnv, allowFailure: true },
      );
      if (fetch.exitCode !== 0) {
        throw new CloneError(`Fetching ${url} at ${base} into the cache failed: ${lastLines(fetch.stderr)}`);
      }
      let packs = await packManifest(repo);
      if (Object.keys(packs).length > MAX_PACKS) {
        await git.run(['--git-dir', repo, 'repack', '-a', '-d', '-q']);
        packs = await packManifest(repo);
      }
      // Copy only: checkout (the slow part) runs after the lock is released.
      await git.run([
        'clone',
        '--quiet',
        '--no-checkout',
        '--local',
        '--no-hardlinks',
        '--no-tags',
        '--single-branch',
        '--branch',
        base,
        '--',
        repo,
        dir,
      ]);
      const now = new Date().toISOString();
      const previous = cache === 'warm' ? await readMeta(repo) : undefined;
      await writeMeta(repo, {
        url,
        createdAt: previous?.createdAt ?? now,
        lastUsedAt: now,
        verifiedAt: previous?.verifiedAt ?? now,
        sizeBytes: await treeSize(repo),
        packs,
      });
    });
    await git.run(['remote', 'set-url', 'origin', url], { cwd: dir });
    // A plain clone of the default branch also records it as origin/HEAD.
    if (!baseRef)
      await git.run(['symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${base}`], {
        cwd: dir,
      });
    await git.run(['read-tree', '--reset', '-u', 'HEAD'], { cwd: dir });
    const baseSha = await git.out(['rev-parse', 'HEAD'], { cwd: dir });
    await this.evict(key).catch((err) => this.opts.logger?.warn({ err }, 'repo cache eviction failed'));
    return { baseRef: base, baseSha, cache };
  }

  private async create(repo: string, url: string): Promise<void> {
    await removeTree(repo);
    await this.opts.git!.run(['init', '--quiet', '--bare', '--template=', repo]);
    await writeFile(join(repo, 'config'), MIRROR_CONFIG, { flag: 'a' });
    const now = new Date().toISOString();
    await writeMeta(repo, { url, createdAt: now, lastUsedAt: now, verifiedAt: now, sizeBytes: 0, packs: {} });
  }

  private async withLock<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const lock = await FileLock.acquire(this.paths(key).lock, {
      timeoutMs: this.opts.lockTimeoutMs ?? 30 * 60_000,
      ...(signal ? { signal } : {}),
    });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  async list(): Promise<CacheEntryInfo[]> {
    const names = await readdir(this.opts.dir).catch(() => [] as string[]);
    const entries: CacheEntryInfo[] = [];
    for (const name of names) {
      // Left by a process that died while removing an entry.
      if (name.includes('.git.deleting-')) await removeTree(join(this.opts.dir, name)).catch(() => {});
      if (!name.endsWith('.git')) continue;
      const key = name.slice(0, -4);
      const meta = await readMeta(join(this.opts.dir, name));
      const path = join(this.opts.dir, name);
      if (meta) entries.push({ key, path, ...pick(meta) });
      else {
        // Half-created (a process died while creating it): listed so prune can remove it.
        const info = await stat(path).catch(() => undefined);
        const at = info?.mtime.toISOString() ?? new Date(0).toISOString();
        entries.push({ key, path, url: '?', sizeBytes: await treeSize(path), createdAt: at, lastUsedAt: at });
      }
    }
    return entries.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  }

  /**
   * Removes least-recently-used mirrors until the total fits maxBytes (0 removes all). Mirrors in use
   * (locked) and `keep` are skipped. Returns what was removed.
   */
  async prune(maxBytes = this.opts.maxBytes, keep?: string): Promise<CacheEntryInfo[]> {
    const entries = await this.list();
    let total = entries.reduce((sum, e) => sum + e.sizeBytes, 0);
    const removed: CacheEntryInfo[] = [];
    for (const entry of [...entries].reverse()) {
      if (total <= maxBytes) break;
      if (entry.key === keep) continue;
      if (await this.removeEntry(entry.key)) {
        total -= entry.sizeBytes;
        removed.push(entry);
      }
    }
    return removed;
  }

  private async evict(keep: string): Promise<void> {
    const removed = await this.prune(this.opts.maxBytes, keep);
    for (const e of removed)
      this.opts.logger?.info({ url: e.url, bytes: e.sizeBytes }, 'repo cache entry evicted');
  }

  /** Removes the mirror of url unless another process is using it; true when removed. */
  async drop(url: string): Promise<boolean> {
    return this.removeEntry(RepoCache.keyOf(url));
  }

  private async removeEntry(key: string): Promise<boolean> {
    const { repo, lock: lockPath } = this.paths(key);
    const lock = await FileLock.tryAcquire(lockPath);
    if (!lock) return false;
    try {
      // Renamed first so a reader never sees a half-deleted mirror as an entry.
      const doomed = `${repo}.deleting-${process.pid}-${Date.now()}`;
      await rename(repo, doomed).catch(() => {});
      await removeTree(doomed);
      return true;
    } finally {
      await lock.release();
    }
  }
}

async function writeMeta(repo: string, meta: EntryMeta): Promise<void> {
  const tmp = join(repo, `drover-cache.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(tmp, join(repo, 'drover-cache.json'));
}

/** The remote's default branch (what a plain clone checks out), from its HEAD symref. */
async function remoteDefaultBranch(git: Git, url: string, authEnv: Record<string, string>): Promise<string> {
  const res = await git.run(['ls-remote', '--symref', '--', url, 'HEAD'], {
    env: authEnv,
    allowFailure: true,
  });
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(res.stdout);
  if (res.exitCode !== 0 || !m) {
    throw new CloneError(
      `Finding the default branch of ${url} failed: ${lastLines(res.stderr) || 'no HEAD'}`,
    );
  }
  return m[1]!;
}

function pick(meta: EntryMeta): Pick<CacheEntryInfo, 'url' | 'sizeBytes' | 'createdAt' | 'lastUsedAt'> {
  return { url: meta.url, sizeBytes: meta.sizeBytes, createdAt: meta.createdAt, lastUsedAt: meta.lastUsedAt };
}
