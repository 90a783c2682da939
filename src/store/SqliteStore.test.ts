import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { SqliteStore } from './SqliteStore.js';
import { MIGRATIONS } from './sqliteSchema.js';

const spec = parseJobSpec({ repo: '/srv/repo.git', prompt: 'do it', agent: 'command', agentCmd: 'true' });

describe('SqliteStore', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-store-'));
    store = new SqliteStore(join(dir, 'drover.db'), { maxAttempts: 2, pollMs: 20 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enqueues, claims once, and records exactly one terminal status', async () => {
    const job = await store.enqueue(spec);
    expect(job).toMatchObject({ status: 'queued', attempts: 0, branch: `drover/${job.id.slice(0, 8)}` });
    const lease = await store.claim('r1', { leaseMs: 10_000, waitMs: 0 });
    expect(lease?.job).toMatchObject({ id: job.id, status: 'running', attempts: 1, runnerId: 'r1' });
    expect(await store.claim('r2', { leaseMs: 10_000, waitMs: 0 })).toBeUndefined();
    expect(job).toMatchObject({ verdict: null, findings: null });
    expect(
      await lease!.finish({ status: 'succeeded', commit: 'abc', verdict: 'FAIL', findings: 'no tests' }),
    ).toBe(true);
    expect(await lease!.finish({ status: 'failed', errorKind: 'internal' })).toBe(false);
    const done = await store.get(job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      commit: 'abc',
      errorKind: null,
      verdict: 'FAIL',
      findings: 'no tests',
    });
    expect(done!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('records the intake that created a job, and migrates a version-1 database in place', async () => {
    const job = await store.enqueue(spec, { source: { intake: 'forge', forge: 'github', number: 7 } });
    expect((await store.get(job.id))?.source).toEqual({ intake: 'forge', forge: 'github', number: 7 });
    expect((await store.enqueue(spec)).source).toBeNull();
    const old = new Database(join(dir, 'v1.db'));
    old.exec(MIGRATIONS[1]!);
    old.pragma('user_version = 1');
    old.close();
    const migrated = new SqliteStore(join(dir, 'v1.db'));
    expect((await migrated.enqueue(spec, { source: { intake: 'api' } })).source).toEqual({ intake: 'api' });
    await migrated.close();
  });

  it('puts a job whose lease lapsed back in the queue, then abandons it after maxAttempts', async () => {
    const job = await store.enqueue(spec);
    const first = await store.claim('dead-1', { leaseMs: 1, waitMs: 0 });
    expect(first).toBeDefined();
    await new Promise((r) => setTimeout(r, 10));
    const second = await store.claim('r2', { leaseMs: 1, waitMs: 0 });
    expect(second?.job).toMatchObject({ id: job.id, attempts: 2, runnerId: 'r2' });
    expect(await first!.heartbeat()).toEqual({ lost: true, cancelRequested: false });
    expect(await first!.finish({ status: 'succeeded' })).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.claim('r3', { leaseMs: 1000, waitMs: 0 })).toBeUndefined();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorKind: 'abandoned' });
  });

  it('release re-queues without failing; cancel is immediate when queued, flagged when running', async () => {
    const a = await store.enqueue(spec);
    const lease = await store.enqueueClaimed(spec, { runnerId: 'r1', leaseMs: 10_000 });
    const b = lease.job;
    expect(await store.requestCancel(a.id)).toMatchObject({ status: 'cancelled', errorKind: 'cancelled' });
    await store.requestCancel(b.id);
    expect(await lease!.heartbeat()).toEqual({ lost: false, cancelRequested: true });
    await lease!.release('shutting down');
    expect(await store.get(b.id)).toMatchObject({ status: 'queued', runnerId: null });
  });

  it('enqueueClaimed creates a job already running under the caller’s lease; a lapsed one is re-queued', async () => {
    const waiting = store.claim('worker', { leaseMs: 10_000, waitMs: 300 });
    const kept = await store.enqueueClaimed(spec, {
      runnerId: 'run',
      leaseMs: 60_000,
      source: { intake: 'cli' },
    });
    expect(kept.job).toMatchObject({ status: 'running', attempts: 1, runnerId: 'run', phase: 'claimed' });
    expect(kept.job.startedAt).toBe(kept.job.createdAt);
    expect(await waiting).toBeUndefined(); // a waiting worker never saw it queued
    expect(await store.get(kept.job.id)).toMatchObject({ status: 'running', source: { intake: 'cli' } });
    expect(await kept.heartbeat()).toEqual({ lost: false, cancelRequested: false });
    expect(await kept.finish({ status: 'succeeded' })).toBe(true);
    // A drover run process that dies (no heartbeat): the lapsed lease puts the job back for workers.
    const dead = await store.enqueueClaimed(spec, { runnerId: 'run', leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 10));
    const taken = await store.claim('worker', { leaseMs: 10_000, waitMs: 0 });
    expect(taken?.job).toMatchObject({ id: dead.job.id, attempts: 2, runnerId: 'worker' });
    expect(await dead.heartbeat()).toEqual({ lost: true, cancelRequested: false });
    expect(await dead.finish({ status: 'succeeded' })).toBe(false);
  });

  it('wakes a waiting claim as soon as a job is enqueued in the same process', async () => {
    const waiting = store.claim('r1', { leaseMs: 10_000, waitMs: 5000 });
    const job = await store.enqueue(spec);
    expect((await waiting)?.job.id).toBe(job.id);
  });

  it('stores output in order, continues numbering, and pages', async () => {
    const job = await store.enqueue(spec);
    const ts = new Date().toISOString();
    await store.appendOutput(job.id, [
      { seq: 1, ts, stream: 'stdout', line: 'one' },
      {
        seq: 2,
        ts,
        stream: 'agent',
        line: 'two',
        type: 'agent.text',
        data: { type: 'agent.text', text: 'two' },
      },
    ]);
    await store.appendOutput(job.id, [{ seq: 3, ts, stream: 'system', line: 'end', type: 'end' }]);
    expect(await store.lastSeq(job.id)).toBe(3);
    expect((await store.readOutput(job.id, 1, 10)).map((e) => e.line)).toEqual(['two', 'end']);
    expect((await store.readOutput(job.id, 0, 1))[0]).toEqual({ seq: 1, ts, stream: 'stdout', line: 'one' });
    expect((await store.readOutput(job.id, 1, 1))[0]?.data).toEqual({ type: 'agent.text', text: 'two' });
  });

  it('lists newest first with filters and cursors, and counts by status', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await store.enqueue(spec)).id);
    const page1 = await store.list({ limit: 2 });
    expect(page1.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const page2 = await store.list({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const page3 = await store.list({ limit: 2, cursor: page2.nextCursor! });
    expect(page3).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    await store.requestCancel(ids[0]!);
    expect((await store.list({ status: 'cancelled' })).jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect((await store.list({ repo: 'nope' })).jobs).toEqual([]);
    expect(await store.countByStatus()).toMatchObject({ queued: 4, cancelled: 1, running: 0 });
    await expect(store.list({ cursor: '%%%' })).rejects.toThrow(/cursor/);
  });

  it('is shared by two connections (processes) on the same file', async () => {
    const other = new SqliteStore(join(dir, 'drover.db'));
    try {
      const job = await other.enqueue(spec);
      const lease = await store.claim('r1', { leaseMs: 10_000, waitMs: 1000 });
      expect(lease?.job.id).toBe(job.id);
    } finally {
      await other.close();
    }
  });
});
