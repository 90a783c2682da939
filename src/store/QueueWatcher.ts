import type Database from 'better-sqlite3';

/**
 * Cross-process wakeup for the embedded store's waiting claims. SQLite has no notifications, so while
 * someone waits, `PRAGMA data_version` is checked every few ms: it changes when another connection
 * commits and is read from the WAL's shared memory (no I/O, microseconds). Only when it changed does
 * a cheap read ask whether anything is queued. A job enqueued by another process is then claimed in
 * ~intervalMs, not after the claim loop's full poll interval.
 */
export class QueueWatcher {
  private timer: NodeJS.Timeout | undefined;
  private waiters = 0;
  private version: unknown;
  private readonly hasQueued: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly onWork: () => void,
    private readonly intervalMs = 5,
  ) {
    this.hasQueued = db.prepare(`SELECT 1 FROM jobs WHERE status = 'queued' LIMIT 1`);
  }

  /** Starts watching for one more waiter; pair with release(). */
  acquire(): void {
    if (this.waiters++ > 0) return;
    this.version = this.db.pragma('data_version', { simple: true });
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  release(): void {
    if (this.waiters === 0 || --this.waiters > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.waiters = 0;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (!this.db.open) {
      this.stop();
      return;
    }
    const version = this.db.pragma('data_version', { simple: true });
    if (version === this.version) return;
    this.version = version;
    if (this.hasQueued.get()) this.onWork();
  }
}
