import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { defaultBranch, newJobId } from '../jobs/ids.js';
import type { JobPatch, JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { JOB_STATUSES, type JobStatus } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { parseStoredSource } from '../jobs/parseStoredSource.js';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.js';
import { foldNeedle, jobTextMatches, repoMatches } from './jobSearch.js';
import { OutputInserter } from './OutputInserter.js';
import { QueueWatcher } from './QueueWatcher.js';
import { SqliteLease } from './SqliteLease.js';
import { type JobRow, type OutputRow, PATCH_COLUMNS, rowToEntry, rowToJob } from './sqliteRows.js';
import { MIGRATIONS, SCHEMA_VERSION } from './sqliteSchema.js';
import type {
  ClaimOptions,
  EnqueueClaimedOptions,
  EnqueueOptions,
  JobPage,
  JobStore,
  Lease,
  ListFilter,
  RunnerInfo,
} from './types.js';

export interface SqliteStoreOptions {
  /** A lease that lapses this many times (dead workers) fails the job as abandoned. */
  maxAttempts?: number;
  /** How often a waiting claim re-checks the database for work enqueued by other processes. */
  pollMs?: number;
}

/**
 * Embedded store: one SQLite file (WAL) shared by every Drover process on the machine.
 * Claims are atomic `BEGIN IMMEDIATE` transactions; a lease that is not renewed puts the job back.
 */
export class SqliteStore implements JobStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly events = new EventEmitter();
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  /** Wakes waiting claims when another process enqueues. */
  private readonly watcher: QueueWatcher;
  private readonly outputInserter: OutputInserter;

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.pollMs = options.pollMs ?? 100;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 10000');
      this.migrate();
      this.registerSearchFunctions();
    } catch (err) {
      throw new StoreError(`Cannot open the embedded store at ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.events.setMaxListeners(0);
    this.watcher = new QueueWatcher(this.db, () => this.events.emit('enqueued'), {
      ...(path === ':memory:' ? {} : { walPath: `${path}-wal` }),
    });
    this.outputInserter = new OutputInserter(this.db);
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `database schema ${current} is newer than this Drover (${SCHEMA_VERSION}); upgrade Drover`,
      );
    }
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v}`);
        })
        .immediate();
    }
  }

  /** The list filters' text matching, in JS so it is the same as the Redis store's (Unicode case folding). */
  private registerSearchFunctions(): void {
    const opts = { deterministic: true, varargs: false } as const;
    this.db.function('drover_repo_match', opts, (repo: unknown, needle: unknown) =>
      repoMatches(String(repo), String(needle)) ? 1 : 0,
    );
    this.db.function(
      'drover_text_match',
      opts,
      (needle: unknown, id: unknown, repo: unknown, branch: unknown, prompt: unknown, source: unknown) =>
        jobTextMatches(
          {
            id: String(id),
            repo: String(repo),
            branch: String(branch),
            prompt: typeof prompt === 'string' ? prompt : null,
            source: parseStoredSource(typeof source === 'string' ? source : null),
          },
          String(needle),
        )
          ? 1
          : 0,
    );
  }

  async enqueue(spec: JobSpec, opts: EnqueueOptions = {}): Promise<JobRecord> {
    const job = this.insertJob(spec, opts);
    this.events.emit('enqueued');
    return job;
  }

  async enqueueClaimed(spec: JobSpec, opts: EnqueueClaimedOptions): Promise<Lease> {
    const job = this.insertJob(spec, opts, opts);
    return new SqliteLease(this.db, job, opts.runnerId, opts.leaseMs);
  }

  /** One INSERT: queued, or (claim) already running under the claimant's lease, never seen queued. */
  private insertJob(
    spec: JobSpec,
    opts: EnqueueOptions,
    claim?: { runnerId: string; leaseMs: number },
  ): JobRecord {
    const id = opts.id ?? newJobId();
    const now = Date.now();
    const iso = new Date(now).toISOString();
    try {
      const row = this.db
        .prepare(
          `INSERT INTO jobs (id, status, spec, repo, base_ref, branch, agent, created_at, source,
             runner_id, lease_until, attempts, started_at, phase)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          id,
          claim ? 'running' : 'queued',
          JSON.stringify(spec),
          spec.repo,
          spec.baseRef ?? null,
          spec.branch ?? defaultBranch(id),
          spec.agent,
          iso,
          opts.source ? JSON.stringify(opts.source) : null,
          claim?.runnerId ?? null,
          claim ? now + claim.leaseMs : null,
          claim ? 1 : 0,
          claim ? iso : null,
          claim ? 'claimed' : null,
        ) as JobRow;
      return rowToJob(row);
    } catch (err) {
      throw new StoreError(`Cannot enqueue job ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? rowToJob(row) : undefined;
  }

  async list(filter: ListFilter = {}): Promise<JobPage> {
    const limit = pageLimit(filter.limit);
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status) where.push('status = ?') && args.push(filter.status);
    if (filter.repo) where.push('repo = ?') && args.push(filter.repo);
    if (filter.repoContains) {
      where.push('drover_repo_match(repo, ?)') && args.push(foldNeedle(filter.repoContains));
    }
    if (filter.text) {
      where.push("drover_text_match(?, id, repo, branch, json_extract(spec, '$.prompt'), source)") &&
        args.push(foldNeedle(filter.text));
    }
    if (filter.cursor) where.push('id < ?') && args.push(decodeCursor(filter.cursor));
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, limit + 1) as JobRow[];
    const jobs = rows.slice(0, limit).map(rowToJob);
    const last = jobs[jobs.length - 1];
    return { jobs, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as {
      status: JobStatus;
      n: number;
    }[];
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async claim(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined> {
    const deadline = Date.now() + opts.waitMs;
    for (;;) {
      const job = this.tryClaim(runnerId, opts);
      if (job) return new SqliteLease(this.db, job, runnerId, opts.leaseMs);
      const remaining = deadline - Date.now();
      if (remaining <= 0 || opts.signal?.aborted) return undefined;
      await this.waitForWork(Math.min(remaining, this.pollMs), opts.signal);
    }
  }

  private waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.events.off('enqueued', done);
        signal?.removeEventListener('abort', done);
        this.watcher.release();
        resolve();
      };
      this.watcher.acquire();
      const timer = setTimeout(done, ms);
      this.events.once('enqueued', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private tryClaim(runnerId: string, opts: ClaimOptions): JobRecord | undefined {
    const now = Date.now();
    return this.db
      .transaction(() => {
        this.reapLapsedLeases(now);
        const pick = this.db.prepare(`SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1`).get();
        if (!pick) return undefined;
        const row = this.db
          .prepare(
            `UPDATE jobs SET status = 'running', runner_id = ?, lease_until = ?, attempts = attempts + 1,
               started_at = COALESCE(started_at, ?), phase = 'claimed'
             WHERE id = ? AND status = 'queued' RETURNING *`,
          )
          .get(runnerId, now + opts.leaseMs, new Date(now).toISOString(), (pick as { id: string }).id) as
          | JobRow
          | undefined;
        return row ? rowToJob(row) : undefined;
      })
      .immediate();
  }

  /** Jobs whose runner stopped renewing go back to the queue, or fail once they used up their attempts. */
  private reapLapsedLeases(now: number): void {
    const finishedAt = new Date(now).toISOString();
    this.db
      .prepare(
        `UPDATE jobs SET status = 'failed', error_kind = 'abandoned', finished_at = ?, runner_id = NULL,
           lease_until = NULL, phase = NULL,
           error_message = 'The job was abandoned: its runner stopped responding ' || attempts || ' times.'
         WHERE status = 'running' AND lease_until < ? AND attempts >= ?`,
      )
      .run(finishedAt, now, this.maxAttempts);
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', runner_id = NULL, lease_until = NULL, phase = NULL
         WHERE status = 'running' AND lease_until < ?`,
      )
      .run(now);
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
      const value = patch[key as keyof JobPatch];
      if (value !== undefined) sets.push(`${column} = ?`) && args.push(value);
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  async appendOutput(id: string, entries: OutputEntry[]): Promise<void> {
    this.outputInserter.insert(id, entries);
  }

  async readOutput(id: string, afterSeq: number, limit: number): Promise<OutputEntry[]> {
    const rows = this.db
      .prepare(
        'SELECT seq, ts, stream, type, line, data FROM job_output WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .all(id, afterSeq, limit) as OutputRow[];
    return rows.map(rowToEntry);
  }

  async lastSeq(id: string): Promise<number> {
    const row = this.db.prepare('SELECT MAX(seq) AS seq FROM job_output WHERE job_id = ?').get(id) as {
      seq: number | null;
    };
    return row.seq ?? 0;
  }

  async requestCancel(id: string): Promise<JobRecord | undefined> {
    const now = new Date().toISOString();
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `UPDATE jobs SET status = 'cancelled', error_kind = 'cancelled', finished_at = ?, cancel_requested = 1,
               error_message = 'The job was cancelled before it started.'
             WHERE id = ? AND status = 'queued'`,
          )
          .run(now, id);
        this.db.prepare(`UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'`).run(id);
      })
      .immediate();
    return this.get(id);
  }

  async registerRunner(info: RunnerInfo, ttlMs: number): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO runners (id, info, expires_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at',
      )
      .run(info.id, JSON.stringify(info), Date.now() + ttlMs);
  }

  async unregisterRunner(id: string): Promise<void> {
    this.db.prepare('DELETE FROM runners WHERE id = ?').run(id);
  }

  async listRunners(): Promise<RunnerInfo[]> {
    this.db.prepare('DELETE FROM runners WHERE expires_at < ?').run(Date.now());
    const rows = this.db.prepare('SELECT info FROM runners ORDER BY id').all() as { info: string }[];
    return rows.map((r) => JSON.parse(r.info) as RunnerInfo);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.watcher.stop();
    if (this.db.open) this.db.close();
  }
}
