import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
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
});
