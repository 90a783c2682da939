import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { LockTimeoutError } from '../errors.js';

export interface FileLockOptions {
  /** Give up after this long (LockTimeoutError). */
  timeoutMs?: number;
  /** A lock whose holder stopped refreshing it this long ago is broken (holder hung or on another host). */
  staleMs?: number;
  /** Longest pause between polls while waiting (default 50 ms; a release wakes waiters at once). */
  maxPollMs?: number;
  signal?: AbortSignal;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

/**
 * An exclusive lock shared by the processes of one machine (and of machines sharing the directory):
 * a file created with O_EXCL holding the owner's pid, host and a random token. The holder refreshes
 * its mtime; a waiter breaks the lock when its owner is dead (same host, pid gone) or stale. Breaking
 * goes through a second short-lived O_EXCL file so two waiters never both break and both win.
 */
export class FileLock {
  private refresh: NodeJS.Timeout | undefined;

  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  /**
   * Waits for the lock; rejects with LockTimeoutError or on abort. A waiter wakes as soon as the lock
   * file is removed (inotify on its directory), and polls with backoff besides (for filesystems that
   * report nothing, and for holders that die without releasing).
   */
  static async acquire(path: string, opts: FileLockOptions = {}): Promise<FileLock> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    const staleMs = opts.staleMs ?? 60_000;
    let delay = 5;
    let released: ReleaseWatch | undefined;
    try {
      for (;;) {
        const lock = await FileLock.tryAcquire(path, { staleMs });
        if (lock) return lock;
        if (opts.signal?.aborted)
          throw opts.signal.reason ?? new LockTimeoutError(`Aborted waiting for ${path}`);
        if (Date.now() >= deadline) throw new LockTimeoutError(`Timed out waiting for the lock ${path}`);
        released ??= new ReleaseWatch(path);
        await released.wait(delay);
        delay = Math.min(opts.maxPollMs ?? 50, delay * 2);
      }
    } finally {
      released?.close();
    }
  }

  /** Takes the lock if it is free (or its holder is gone); undefined when someone else holds it. */
  static async tryAcquire(path: string, opts: { staleMs?: number } = {}): Promise<FileLock | undefined> {
    const staleMs = opts.staleMs ?? 60_000;
    const owner: Owner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
    if (await createExclusive(path, JSON.stringify(owner))) {
      const lock = new FileLock(path, owner.token);
      lock.startRefreshing(staleMs);
      return lock;
    }
    if (await isStale(path, staleMs)) await breakLock(path, staleMs);
    return undefined;
  }

  /** Releases the lock if it is still ours (a lock broken as stale is not removed from its new owner). */
  async release(): Promise<void> {
    if (this.refresh) clearInterval(this.refresh);
    this.refresh = undefined;
    const current = await readOwner(this.path);
    if (current?.token === this.token) await rm(this.path, { force: true });
  }

  private startRefreshing(staleMs: number): void {
    this.refresh = setInterval(
      () => {
        const now = new Date();
        utimes(this.path, now, now).catch(() => {});
      },
      Math.max(100, staleMs / 4),
    );
    this.refresh.unref();
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.host === 'string')
      return parsed as Owner;
  } catch {
    // missing, or caught between create and write: not judged here
  }
  return undefined;
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > staleMs) return true;
  const owner = await readOwner(path);
  return owner !== undefined && owner.host === hostname() && !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a stale lock under a breaker lock, re-checking that it is still the same stale lock. */
async function breakLock(path: string, staleMs: number): Promise<void> {
  const breaker = `${path}.break`;
  const info = await stat(breaker).catch(() => undefined);
  // A breaker is held for milliseconds; one this old belongs to a process that died mid-break.
  if (info && Date.now() - info.mtimeMs > 10_000) await rm(breaker, { force: true });
  if (!(await createExclusive(breaker, String(process.pid)))) return;
  try {
    const before = await readOwner(path);
    if (await isStale(path, staleMs)) {
      const after = await readOwner(path);
      if (before?.token === after?.token) await rm(path, { force: true });
    }
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Wakes a waiter when something happens to the lock file (its removal, above all). */
class ReleaseWatch {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(path: string) {
    const name = basename(path);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file !== null && String(file) !== name) return;
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // No watch here (e.g. too many watches): polling alone.
    }
  }

  /** Resolves after ms, or earlier when the lock file changed since the last wait. */
  wait(ms: number): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
