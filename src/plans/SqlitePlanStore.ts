import type Database from 'better-sqlite3';
import { openSqlite, type SqliteSchema } from '../util/openSqlite.js';
import { parseStoredJson } from '../util/storedJson.js';
import type { PlanEvent } from './PlanEvent.js';
import type { PlanDoc, PlanState, RunRecord } from './PlanState.js';
import { parseStoredDoc, parseStoredEvent, parseStoredRun } from './storedPlan.js';
import type { LeaseHolder, PlanStore } from './types.js';

// The plan tables live in the embedded store's database file, next to the jobs, with their own schema
// version (plan_schema) so they never interfere with the job store's migrations.
const SCHEMA: SqliteSchema = {
  name: 'plan',
  versionTable: 'plan_schema',
  migrations: [
    `
    CREATE TABLE IF NOT EXISTS plans (
      name TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      doc TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS plan_runs (
      plan TEXT NOT NULL,
      job_id TEXT NOT NULL,
      task TEXT NOT NULL,
      role TEXT NOT NULL,
      doc TEXT NOT NULL,
      PRIMARY KEY (plan, job_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS plan_events (
      plan TEXT NOT NULL,
      seq INTEGER NOT NULL,
      ts TEXT NOT NULL,
      type TEXT NOT NULL,
      task TEXT,
      data TEXT NOT NULL,
      PRIMARY KEY (plan, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS plan_leases (
      plan TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      info TEXT NOT NULL,
      until INTEGER NOT NULL
    );
  `,
  ],
};

/** Plans in the embedded store (one SQLite file shared by every Drover process on the machine). */
export class SqlitePlanStore implements PlanStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = openSqlite(path, 'plan tables', SCHEMA);
  }

  async names(): Promise<string[]> {
    return (this.db.prepare('SELECT name FROM plans ORDER BY name').all() as { name: string }[]).map(
      (r) => r.name,
    );
  }

  async list(): Promise<PlanDoc[]> {
    const rows = this.db.prepare('SELECT name, doc FROM plans ORDER BY name').all() as {
      name: string;
      doc: string;
    }[];
    return rows.map((r) => parseStoredDoc(r.name, r.doc));
  }

  async get(name: string): Promise<PlanState | undefined> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT version, doc FROM plans WHERE name = ?').get(name) as
          | { version: number; doc: string }
          | undefined;
        if (!row) return undefined;
        const runs = (
          this.db.prepare('SELECT doc FROM plan_runs WHERE plan = ? ORDER BY job_id').all(name) as {
            doc: string;
          }[]
        ).map((r) => parseStoredRun(name, r.doc));
        return { ...parseStoredDoc(name, row.doc), version: row.version, runs };
      })
      .deferred();
  }

  async save(doc: PlanDoc, expected: number, runs: RunRecord[], events: PlanEvent[]): Promise<boolean> {
    return this.db
      .transaction(() => {
        const json = JSON.stringify(doc);
        if (expected === 0) {
          const res = this.db
            .prepare(
              'INSERT OR IGNORE INTO plans (name, version, doc, created_at, updated_at) VALUES (?, 1, ?, ?, ?)',
            )
            .run(doc.name, json, doc.createdAt, doc.updatedAt);
          if (res.changes === 0) return false;
        } else {
          const res = this.db
            .prepare(
              'UPDATE plans SET version = version + 1, doc = ?, updated_at = ? WHERE name = ? AND version = ?',
            )
            .run(json, doc.updatedAt, doc.name, expected);
          if (res.changes === 0) return false;
        }
        const upsertRun = this.db.prepare(
          `INSERT INTO plan_runs (plan, job_id, task, role, doc) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (plan, job_id) DO UPDATE SET doc = excluded.doc`,
        );
        for (const run of runs) upsertRun.run(doc.name, run.jobId, run.task, run.role, JSON.stringify(run));
        const insertEvent = this.db.prepare(
          'INSERT INTO plan_events (plan, seq, ts, type, task, data) VALUES (?, ?, ?, ?, ?, ?)',
        );
        for (const e of events)
          insertEvent.run(doc.name, e.seq, e.ts, e.type, e.task, JSON.stringify(e.data));
        return true;
      })
      .immediate();
  }

  async events(name: string, afterSeq: number, limit: number): Promise<PlanEvent[]> {
    const rows = this.db
      .prepare(
        'SELECT seq, ts, type, task, data FROM plan_events WHERE plan = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .all(name, afterSeq, limit) as {
      seq: number;
      ts: string;
      type: string;
      task: string | null;
      data: string;
    }[];
    return rows.map((r) =>
      parseStoredEvent(name, {
        seq: r.seq,
        ts: r.ts,
        type: r.type,
        task: r.task,
        data: parseStoredJson(r.data),
      }),
    );
  }

  async lease(name: string, holder: Omit<LeaseHolder, 'until'>, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const info: LeaseHolder = { ...holder, until: new Date(now + ttlMs).toISOString() };
    const res = this.db
      .prepare(
        `INSERT INTO plan_leases (plan, holder, info, until) VALUES (?, ?, ?, ?)
         ON CONFLICT (plan) DO UPDATE SET holder = excluded.holder, info = excluded.info, until = excluded.until
         WHERE plan_leases.holder = excluded.holder OR plan_leases.until < ?`,
      )
      .run(name, holder.holder, JSON.stringify(info), now + ttlMs, now);
    return res.changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.db.prepare('DELETE FROM plan_leases WHERE plan = ? AND holder = ?').run(name, holder);
  }

  async leaseHolder(name: string): Promise<LeaseHolder | undefined> {
    const row = this.db
      .prepare('SELECT info FROM plan_leases WHERE plan = ? AND until >= ?')
      .get(name, Date.now()) as { info: string } | undefined;
    return row ? (JSON.parse(row.info) as LeaseHolder) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
