import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { QueueWatcher } from './QueueWatcher.js';
import { SqliteStore } from './SqliteStore.js';

const spec = parseJobSpec({ repo: '/srv/repo.git', prompt: 'do it', agent: 'command', agentCmd: 'true' });

// Two SqliteStore instances on one file are two connections, as two processes would have.
describe('QueueWatcher (embedded store cross-connection wakeup)', () => {
  let dir: string;
  let producer: SqliteStore;
  let consumer: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-watch-'));
    producer = new SqliteStore(join(dir, 'drover.db'));
    // A poll interval far beyond the test: only the watcher can wake the waiting claim.
    consumer = new SqliteStore(join(dir, 'drover.db'), { pollMs: 600_000 });
  });
  afterEach(async () => {
    await producer.close();
    await consumer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes a claim waiting on another connection when a job is enqueued there', async () => {
    const controller = new AbortController();
    const claimed = consumer.claim('r1', { leaseMs: 10_000, waitMs: 600_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    const job = await producer.enqueue(spec);
    const guard = setTimeout(() => controller.abort(), 30_000);
    const lease = await claimed;
    clearTimeout(guard);
    expect(lease?.job.id).toBe(job.id);
  });

  it('keeps waiting through commits that queue nothing', async () => {
    const job = await producer.enqueue(spec);
    const lease = await producer.claim('r0', { leaseMs: 10_000, waitMs: 0 });
    const controller = new AbortController();
    const claimed = consumer.claim('r1', { leaseMs: 10_000, waitMs: 600_000, signal: controller.signal });
    // Commits that change data_version but leave nothing queued.
    for (let i = 0; i < 5; i++) {
      await producer.update(job.id, { phase: `p${i}` });
      await lease!.heartbeat();
      await new Promise((r) => setTimeout(r, 10));
    }
    controller.abort();
    expect(await claimed).toBeUndefined();
  });

  it('is woken by the write-ahead log changing, not by its timer', async () => {
    const path = join(dir, 'drover.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    let woken = 0;
    // Timers far beyond the test: only the log watch can call back.
    const watcher = new QueueWatcher(db, () => woken++, {
      walPath: `${path}-wal`,
      intervalMs: 600_000,
      fallbackMs: 600_000,
    });
    try {
      watcher.acquire();
      await producer.enqueue(spec);
      for (let i = 0; i < 200 && woken === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(woken).toBeGreaterThan(0);
    } finally {
      watcher.stop();
      db.close();
    }
  });

  it('wakes for a job committed before it started watching (the caller looked just before)', async () => {
    const path = join(dir, 'drover.db');
    await producer.enqueue(spec);
    const db = new Database(path);
    let woken = 0;
    const watcher = new QueueWatcher(db, () => woken++, {
      walPath: `${path}-wal`,
      intervalMs: 600_000,
      fallbackMs: 600_000,
    });
    try {
      watcher.acquire(); // nothing is committed after this
      for (let i = 0; i < 200 && woken === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(woken).toBe(1);
    } finally {
      watcher.stop();
      db.close();
    }
  });
});
