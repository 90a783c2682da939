import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { openSqlite, type SqliteSchema } from './openSqlite.js';

const dirs: string[] = [];
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-'));
  dirs.push(dir);
  return join(dir, 'nested', 'test.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const V1 = 'CREATE TABLE a (x INTEGER)';
const V2 = 'CREATE TABLE b (y INTEGER)';
const tables = (db: ReturnType<typeof openSqlite>) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => n !== 'sqlite_sequence');

describe('openSqlite', () => {
  it('creates the folder, runs each migration once and records the version in user_version', () => {
    const path = dbPath();
    const schema: SqliteSchema = { name: 'test', migrations: [V1] };
    openSqlite(path, 'test db', schema).close();
    const db = openSqlite(path, 'test db', { ...schema, migrations: [V1, V2] });
    expect(tables(db)).toEqual(['a', 'b']);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // Reopening at the same version runs nothing again (a second CREATE TABLE a would fail).
    openSqlite(path, 'test db', { ...schema, migrations: [V1, V2] }).close();
  });

  it('keeps the version in its own table when asked, leaving user_version to the file’s owner', () => {
    const path = dbPath();
    const owner = openSqlite(path, 'owner', { name: 'owner', migrations: [V1] });
    owner.close();
    const schema: SqliteSchema = { name: 'guest', versionTable: 'guest_schema', migrations: [V2] };
    openSqlite(path, 'guest tables', schema).close();
    const db = openSqlite(path, 'guest tables', schema);
    expect(db.prepare('SELECT version FROM guest_schema').all()).toEqual([{ version: 1 }]);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).toEqual(['a', 'b', 'guest_schema']);
    db.close();
  });

  it('refuses a file from a newer Drover with a StoreError naming the schema, the versions and the path', () => {
    const path = dbPath();
    openSqlite(path, 'test db', { name: 'test', migrations: [V1, V2] }).close();
    let caught: unknown;
    try {
      openSqlite(path, 'test db', { name: 'test', migrations: [V1] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as Error).message).toBe(
      `Cannot open the test db at ${path}: test schema 2 is newer than this Drover (1); upgrade Drover`,
    );
  });

  it('a failing migration leaves the file at its old version', () => {
    const path = dbPath();
    openSqlite(path, 'test db', { name: 'test', migrations: [V1] }).close();
    expect(() => openSqlite(path, 'test db', { name: 'test', migrations: [V1, V2, 'NOT SQL'] })).toThrow(
      StoreError,
    );
    const db = openSqlite(path, 'test db', { name: 'test', migrations: [V1] });
    expect(tables(db)).toEqual(['a']);
    db.close();
  });
});
