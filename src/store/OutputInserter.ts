import type Database from 'better-sqlite3';
import type { OutputEntry } from '../jobs/OutputEntry.js';

const COLUMNS = '(job_id, seq, ts, stream, type, line, data)';
const ROW = '(?, ?, ?, ?, ?, ?, ?)';
/** Rows per multi-row INSERT: one statement call per 64 lines instead of per line (~1.5× fewer CPU per line). */
const ROWS = 64;

/**
 * Writes a batch of output entries in one transaction. The log pipeline's hottest store call: a job
 * printing a million lines makes a million rows, so the per-row cost of crossing into SQLite matters.
 */
export class OutputInserter {
  private readonly one: Database.Statement;
  private readonly many: Database.Statement;
  private readonly args: unknown[] = new Array(ROWS * 7);
  private readonly insertAll: (id: string, entries: OutputEntry[]) => void;

  constructor(db: Database.Database) {
    this.one = db.prepare(`INSERT OR IGNORE INTO job_output ${COLUMNS} VALUES ${ROW}`);
    this.many = db.prepare(
      `INSERT OR IGNORE INTO job_output ${COLUMNS} VALUES ${Array(ROWS).fill(ROW).join(', ')}`,
    );
    this.insertAll = db.transaction((id: string, entries: OutputEntry[]) => {
      const args = this.args;
      let i = 0;
      for (; i + ROWS <= entries.length; i += ROWS) {
        for (let k = 0; k < ROWS; k++) {
          const e = entries[i + k]!;
          const o = k * 7;
          args[o] = id;
          args[o + 1] = e.seq;
          args[o + 2] = e.ts;
          args[o + 3] = e.stream;
          args[o + 4] = e.type ?? null;
          args[o + 5] = e.line;
          args[o + 6] = e.data ? JSON.stringify(e.data) : null;
        }
        this.many.run(args);
      }
      for (; i < entries.length; i++) {
        const e = entries[i]!;
        this.one.run(
          id,
          e.seq,
          e.ts,
          e.stream,
          e.type ?? null,
          e.line,
          e.data ? JSON.stringify(e.data) : null,
        );
      }
    });
  }

  insert(id: string, entries: OutputEntry[]): void {
    if (entries.length > 0) this.insertAll(id, entries);
  }
}
