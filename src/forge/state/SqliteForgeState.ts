import type Database from 'better-sqlite3';
import { openSqlite, type SqliteSchema } from '../../util/openSqlite.js';
import { type ForgeTask, parseStoredTask } from '../ForgeTask.js';
import type { ForgeState } from '../types.js';

/** Schema of forge.db, with its own user_version (the jobs database is not touched). */
const SCHEMA: SqliteSchema = {
  name: 'forge',
  migrations: [
    `
    CREATE TABLE seen (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      open INTEGER NOT NULL,
      next_at INTEGER NOT NULL,
      lock_until INTEGER NOT NULL DEFAULT 0,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX tasks_due ON tasks (open, next_at);
    CREATE TABLE lanes (seq INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, task_id TEXT NOT NULL UNIQUE);
    CREATE INDEX lanes_lane ON lanes (lane, seq);
  `,
  ],
};
/** Closed tasks are kept this long (for a late redelivery or a look at the database), then pruned. */
const KEEP_CLOSED_MS = 30 * 24 * 3600_000;

/**
 * The embedded forge state: `forge.db` next to the job store (WAL, shared by every process on the
 * machine). Lane changes run in IMMEDIATE transactions, so two webhooks racing on one branch still
 * line up one behind the other.
 */
export class SqliteForgeState implements ForgeState {
  private readonly db: Database.Database;
  private writes = 0;

  constructor(readonly path: string) {
    this.db = openSqlite(path, 'forge state', SCHEMA);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    this.prune(now);
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM seen WHERE key = ? AND expires_at <= ?').run(key, now);
        return (
          this.db.prepare('INSERT OR IGNORE INTO seen (key, expires_at) VALUES (?, ?)').run(key, now + ttlMs)
            .changes === 1
        );
      })
      .immediate();
  }

  async forget(key: string): Promise<void> {
    this.db.prepare('DELETE FROM seen WHERE key = ?').run(key);
  }

  async saveTask(task: ForgeTask): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO tasks (id, data, open, next_at, updated_at) VALUES (@id, @data, @open, @nextAt, @now)
         ON CONFLICT(id) DO UPDATE SET data = @data, open = @open, next_at = @nextAt, updated_at = @now`,
      )
      .run({
        id: task.id,
        data: JSON.stringify(task),
        open: task.open ? 1 : 0,
        nextAt: task.nextAt,
        now: Date.now(),
      });
  }

  async getTask(id: string): Promise<ForgeTask | undefined> {
    const row = this.db.prepare('SELECT data FROM tasks WHERE id = ?').get(id) as
      | { data: string }
      | undefined;
    return parseStoredTask(row?.data);
  }

  async enterLane(lane: string, taskId: string): Promise<number> {
    return this.db
      .transaction(() => {
        this.db.prepare('INSERT OR IGNORE INTO lanes (lane, task_id) VALUES (?, ?)').run(lane, taskId);
        const row = this.db
          .prepare(
            'SELECT COUNT(*) AS ahead FROM lanes WHERE lane = ? AND seq < (SELECT seq FROM lanes WHERE task_id = ?)',
          )
          .get(lane, taskId) as { ahead: number };
        return row.ahead;
      })
      .immediate();
  }

  async laneHead(lane: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT task_id FROM lanes WHERE lane = ? ORDER BY seq LIMIT 1').get(lane) as
      | { task_id: string }
      | undefined;
    return row?.task_id;
  }

  async leaveLane(lane: string, taskId: string): Promise<string | undefined> {
    return this.db
      .transaction(() => {
        const head = this.db
          .prepare('SELECT task_id FROM lanes WHERE lane = ? ORDER BY seq LIMIT 1')
          .get(lane) as { task_id: string } | undefined;
        this.db.prepare('DELETE FROM lanes WHERE task_id = ?').run(taskId);
        // Only the head leaving lets the next one start; one leaving from the middle changes nothing.
        if (head?.task_id !== taskId) return undefined;
        const next = this.db
          .prepare('SELECT task_id FROM lanes WHERE lane = ? ORDER BY seq LIMIT 1')
          .get(lane) as { task_id: string } | undefined;
        return next?.task_id;
      })
      .immediate();
  }

  async dueTasks(now: number, limit: number): Promise<ForgeTask[]> {
    const rows = this.db
      .prepare('SELECT data FROM tasks WHERE open = 1 AND next_at <= ? ORDER BY next_at LIMIT ?')
      .all(now, limit) as { data: string }[];
    return rows.map((r) => parseStoredTask(r.data)).filter((t): t is ForgeTask => t !== undefined);
  }

  async lockTask(id: string, ms: number): Promise<boolean> {
    const now = Date.now();
    return (
      this.db
        .prepare('UPDATE tasks SET lock_until = ? WHERE id = ? AND lock_until <= ?')
        .run(now + ms, id, now).changes === 1
    );
  }

  async unlockTask(id: string): Promise<void> {
    this.db.prepare('UPDATE tasks SET lock_until = 0 WHERE id = ?').run(id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Expired keys and long-closed tasks go now and then, not on every write. */
  private prune(now: number): void {
    if (this.writes++ % 200 !== 0) return;
    this.db.prepare('DELETE FROM seen WHERE expires_at <= ?').run(now);
    this.db.prepare('DELETE FROM tasks WHERE open = 0 AND updated_at < ?').run(now - KEEP_CLOSED_MS);
  }
}
