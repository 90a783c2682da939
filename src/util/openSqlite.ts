import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

export interface SqliteSchema {
  /** Named in errors: `forge schema 3 is newer than this Drover (1)`. */
  name: string;
  /** The SQL of each version in turn: migrations[0] creates version 1 from nothing. */
  migrations: readonly string[];
  /**
   * Where the version is kept: a one-row table of this name, for tables living in another schema's
   * file (whose user_version is not theirs); else the file's own user_version.
   */
  versionTable?: string;
}

/**
 * Opens a SQLite file shared by every Drover process on the machine (its folder created; WAL, NORMAL
 * sync, a 10s busy timeout) and brings `schema` up to date in one IMMEDIATE transaction, so processes
 * starting together migrate once. A failure is a StoreError naming `what` and the path.
 */
export function openSqlite(path: string, what: string, schema: SqliteSchema): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    const open = db;
    open.transaction(() => migrate(open, schema)).immediate();
    return open;
  } catch (err) {
    db?.close();
    throw new StoreError(`Cannot open the ${what} at ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function migrate(db: Database.Database, schema: SqliteSchema): void {
  const latest = schema.migrations.length;
  const table = schema.versionTable;
  let current: number;
  if (table) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`);
    const row = db.prepare(`SELECT version FROM ${table}`).get() as { version: number } | undefined;
    current = row?.version ?? 0;
    if (!row) db.prepare(`INSERT INTO ${table} (version) VALUES (0)`).run();
  } else {
    current = db.pragma('user_version', { simple: true }) as number;
  }
  if (current > latest) {
    throw new Error(`${schema.name} schema ${current} is newer than this Drover (${latest}); upgrade Drover`);
  }
  for (let v = current + 1; v <= latest; v++) db.exec(schema.migrations[v - 1]!);
  if (current === latest) return;
  if (table) db.prepare(`UPDATE ${table} SET version = ?`).run(latest);
  else db.pragma(`user_version = ${latest}`);
}
