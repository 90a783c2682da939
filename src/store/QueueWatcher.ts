import { type FSWatcher, watch } from 'node:fs';
import type Database from 'better-sqlite3';

/** Looks again after a log write that was not yet a visible commit (ms after the write, in turn). */
const RECHECK_MS = [1, 4, 15];

/**
 * Cross-process wakeup for the embedded store's waiting claims. SQLite has no notifications, so while
 * someone waits, Drover watches the database's write-ahead log (inotify: every commit by any process
 * writes to it) and checks `PRAGMA data_version` when it changes: it changes when another connection
 * committed and is read from the WAL's shared memory (no I/O, microseconds). Only then does a cheap
 * read ask whether anything is queued. A timer repeats the check besides (every intervalMs, or every
 * fallbackMs while the log is watched) for filesystems that report nothing.
 */
export class QueueWatcher {
  private timer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private checkQueued = false;
  private waiters = 0;
  private version: unknown;
  private readonly hasQueued: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly onWork: () => void,
    private readonly opts: { walPath?: string; intervalMs?: number; fallbackMs?: number } = {},
  ) {
    this.hasQueued = db.prepare(`SELECT 1 FROM jobs WHERE status = 'queued' LIMIT 1`);
  }

  /** Starts watching for one more waiter; pair with release(). */
  acquire(): void {
    if (this.waiters++ > 0) return;
    // Watch first, then note the version: a commit after this is seen by one or the other...
    this.watcher = this.watchLog();
    this.version = this.db.pragma('data_version', { simple: true });
    const every = this.watcher ? (this.opts.fallbackMs ?? 50) : (this.opts.intervalMs ?? 5);
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
    // ...and one committed since the caller last looked (before the version was noted) by this read.
    setImmediate(() => {
      if (this.waiters > 0 && this.db.open && this.hasQueued.get()) this.onWork();
    });
  }

  release(): void {
    if (this.waiters === 0 || --this.waiters > 0) return;
    this.stop();
  }

  stop(): void {
    this.waiters = 0;
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watchLog(): FSWatcher | undefined {
    if (!this.opts.walPath) return undefined;
    try {
      const watcher = watch(this.opts.walPath, { persistent: false }, () => {
        // A burst of writes is one check, in the next turn of the event loop.
        if (this.checkQueued) return;
        this.checkQueued = true;
        setImmediate(() => {
          this.checkQueued = false;
          // The log is written before the commit is visible (its header lives in shared memory, which
          // reports nothing): a write that did not yet change the version is looked at again shortly.
          if (this.waiters > 0 && !this.check()) this.recheck();
        });
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.watcher !== watcher) return;
        this.watcher = undefined;
        // Back to checking on the short timer alone.
        clearInterval(this.timer);
        this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 5);
        this.timer.unref();
      });
      return watcher;
    } catch {
      return undefined; // no log file yet, or no inotify: the timer alone
    }
  }

  private recheck(attempt = 0): void {
    if (this.recheckTimer || attempt >= RECHECK_MS.length) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      if (this.waiters > 0 && !this.check()) this.recheck(attempt + 1);
    }, RECHECK_MS[attempt]);
    this.recheckTimer.unref();
  }

  /** True when another connection committed since the last look. */
  private check(): boolean {
    if (!this.db.open) {
      this.stop();
      return false;
    }
    const version = this.db.pragma('data_version', { simple: true });
    if (version === this.version) return false;
    this.version = version;
    if (this.hasQueued.get()) this.onWork();
    return true;
  }
}
