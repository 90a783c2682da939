import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Git, lastLines } from '../git/Git.js';
import type { CloneResult } from '../git/repoOps.js';
import { parseRepoUrl } from '../git/repoUrl.js';
import { FileLock } from './FileLock.js';
import {
  type EntryMeta,
  entryProblem,
  MIRROR_CONFIG,
  packManifest,
  readMeta,
  treeSize,
} from './mirrorEntry.js';
import {
  checkoutCopy,
  copyFromMirror,
  fetchIntoMirror,
  mirrorSha,
  remoteDefaultBranch,
} from './mirrorGit.js';
import { type SpareKind, SparePool } from './SparePool.js';
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
  /** Keep ready-made spare workspaces here (same filesystem as the workspaces); off when absent. */
  spareDir?: string;
}

export interface CachedCloneResult extends CloneResult {
  /** warm: the mirror existed; cold: it was created; rebuilt: found corrupt and recreated; spare: a ready workspace was used. */
  cache: 'warm' | 'cold' | 'rebuilt' | 'spare';
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
  private readonly spares: SparePool | undefined;
  private readonly background = new Set<Promise<void>>();
  private readonly building = new Set<string>();

  constructor(private readonly opts: RepoCacheOptions) {
    this.spares = opts.spareDir ? new SparePool(opts.spareDir) : undefined;
  }

  /** Remote URLs are cached; a local path is already cloned with hardlinks by git. */
  static cacheable(url: string): boolean {
    const parsed = parseRepoUrl(url);
    return parsed.ok && (parsed.location.kind === 'remote' || parsed.location.fileUrl);
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

  /** Fetches baseRef (default: the remote's HEAD branch) into the mirror and makes dir a checkout of it. */
  async prepare(
    url: string,
    dir: string,
    baseRef: string | undefined,
    authEnv: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CachedCloneResult> {
    const git = this.git();
    const key = RepoCache.keyOf(url);
    const { repo } = this.paths(key);
    const base = baseRef ?? (await remoteDefaultBranch(git, url, authEnv));
    const byDefault = baseRef === undefined;
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    let cache: CachedCloneResult['cache'] = 'warm';
    let sha = '';
    let tree: string | undefined;
    let spare: SpareKind | undefined;
    await this.withLock(key, signal, async () => {
      cache = await this.ensureHealthy(repo, url);
      await fetchIntoMirror(git, repo, url, base, authEnv);
      const packs = await this.repackIfNeeded(repo);
      // The copy below is of exactly this commit (under the lock), so it is the workspace's HEAD.
      sha = await mirrorSha(git, repo, base);
      if (this.spares) {
        const kind = { base, sha, byDefault };
        if (await this.spares.take(key, kind, dir)) spare = kind;
      }
      if (!spare) {
        // The base's tree (the job's start tree) is read from the mirror while the copy is made, so
        // the job needs no git call for it afterwards.
        const [treeRes] = await Promise.all([
          git.run(['--git-dir', repo, 'rev-parse', '--verify', `${sha}^{tree}`], { allowFailure: true }),
          copyFromMirror(repo, dir, { base, sha, url, byDefault }),
        ]);
        if (treeRes.exitCode === 0) tree = treeRes.stdout.trim();
      }
      await this.recordUse(repo, url, cache, packs);
    });
    if (!spare) await checkoutCopy(git, dir);
    const baseSha = sha;
    if (this.spares) this.buildSpare(url, key, base, byDefault);
    await this.prune(this.opts.maxBytes, key).then(
      (removed) => {
        for (const e of removed)
          this.opts.logger?.info({ url: e.url, bytes: e.sizeBytes }, 'repo cache entry evicted');
      },
      (err) => this.opts.logger?.warn({ err }, 'repo cache eviction failed'),
    );
    return { baseRef: base, baseSha, ...(tree ? { baseTree: tree } : {}), cache: spare ? 'spare' : cache };
  }

  /** Resolves once background work (spare workspaces being made) has finished. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private git(): Git {
    if (!this.opts.git) throw new Error('RepoCache.prepare needs a Git');
    return this.opts.git;
  }

  /** Cheap checks on every use, git fsck once a day; a bad or missing entry is (re)created empty. */
  private async ensureHealthy(repo: string, url: string): Promise<'warm' | 'cold' | 'rebuilt'> {
    const meta = await readMeta(repo);
    let problem = meta ? await entryProblem(repo, meta, url) : 'missing';
    if (!problem && Date.now() - Date.parse(meta!.verifiedAt) > FULL_VERIFY_EVERY_MS) {
      const fsck = await this.git().run(['--git-dir', repo, 'fsck', '--connectivity-only', '--no-progress'], {
        allowFailure: true,
      });
      if (fsck.exitCode !== 0) problem = `git fsck: ${lastLines(fsck.stderr)}`;
      else await writeMeta(repo, { ...meta!, verifiedAt: new Date().toISOString() });
    }
    if (!problem) return 'warm';
    if (problem !== 'missing')
      this.opts.logger?.warn({ url, problem }, 'repo cache entry corrupt; rebuilding');
    await removeTree(repo);
    await this.git().run(['init', '--quiet', '--bare', '--template=', repo]);
    await writeFile(join(repo, 'config'), MIRROR_CONFIG, { flag: 'a' });
    return problem === 'missing' ? 'cold' : 'rebuilt';
  }

  private async repackIfNeeded(repo: string): Promise<Record<string, number>> {
    const packs = await packManifest(repo);
    if (Object.keys(packs).length <= MAX_PACKS) return packs;
    await this.git().run(['--git-dir', repo, 'repack', '-a', '-d', '-q']);
    return packManifest(repo);
  }

  private async recordUse(repo: string, url: string, cache: string, packs: Record<string, number>) {
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
  }

  /** Makes the next job's workspace in the background, exactly as prepare() would (not awaited). */
  private buildSpare(url: string, key: string, base: string, byDefault: boolean): void {
    const spares = this.spares!;
    const id = `${key}\0${base}\0${byDefault}`;
    if (this.building.has(id)) return;
    this.building.add(id);
    const git = this.git();
    const { repo } = this.paths(key);
    const work = (async () => {
      const dir = await spares.scratch(key);
      try {
        let kind: SpareKind | undefined;
        await this.withLock(key, undefined, async () => {
          const candidate = { base, sha: await mirrorSha(git, repo, base), byDefault };
          if (await spares.has(key, candidate)) return;
          await copyFromMirror(repo, dir, { ...candidate, url });
          kind = candidate;
        });
        if (!kind) return;
        await checkoutCopy(git, dir);
        await spares.publish(key, dir, kind);
      } finally {
        await removeTree(dir).catch(() => {});
      }
    })()
      .catch((err) => this.opts.logger?.warn({ err, url }, 'could not prepare a spare workspace'))
      .finally(() => {
        this.building.delete(id);
        this.background.delete(work);
      });
    this.background.add(work);
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
      const path = join(this.opts.dir, name);
      // Left by a process that died while removing an entry.
      if (name.includes('.git.deleting-')) await removeTree(path).catch(() => {});
      if (!name.endsWith('.git')) continue;
      const meta = await readMeta(path);
      if (meta) {
        const { url, sizeBytes, createdAt, lastUsedAt } = meta;
        entries.push({ key: name.slice(0, -4), path, url, sizeBytes, createdAt, lastUsedAt });
      } else {
        // Half-created (a process died while creating it): listed so prune can remove it.
        const info = await stat(path).catch(() => undefined);
        const at = info?.mtime.toISOString() ?? new Date(0).toISOString();
        const sizeBytes = await treeSize(path);
        entries.push({ key: name.slice(0, -4), path, url: '?', sizeBytes, createdAt: at, lastUsedAt: at });
      }
    }
    return entries.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  }

  /**
   * Removes least-recently-used mirrors (and their spares) until the total fits maxBytes (0 removes
   * all). Mirrors in use (locked) and `keep` are skipped. Returns what was removed.
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
      await this.spares?.removeAll(key);
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
