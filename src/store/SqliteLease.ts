import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { JobOutcome, JobRecord } from '../jobs/JobRecord.js';
import { TERMINAL_STATUSES } from '../jobs/JobStatus.js';
import { PATCH_COLUMNS } from './sqliteRows.js';
import type { HeartbeatResult, Lease } from './types.js';

/** A claim on one job in the embedded store: renewed by heartbeats, ended once by finish or release. */
export class SqliteLease implements Lease {
  constructor(
    private readonly db: Database.Database,
    readonly job: JobRecord,
    private readonly runnerId: string,
    private readonly leaseMs: number,
  ) {}

  async heartbeat(): Promise<HeartbeatResult> {
    const row = this.db
      .prepare(
        `UPDATE jobs SET lease_until = ? WHERE id = ? AND runner_id = ? AND status = 'running'
         RETURNING cancel_requested`,
      )
      .get(Date.now() + this.leaseMs, this.job.id, this.runnerId) as { cancel_requested: number } | undefined;
    if (!row) return { lost: true, cancelRequested: false };
    return { lost: false, cancelRequested: row.cancel_requested === 1 };
  }

  async finish(outcome: JobOutcome): Promise<boolean> {
    if (!TERMINAL_STATUSES.includes(outcome.status))
      throw new StoreError(`${outcome.status} is not terminal`);
    const now = new Date();
    const sets = ['status = ?', 'finished_at = ?', 'duration_ms = ?', 'lease_until = NULL', 'phase = NULL'];
    const startedMs = this.job.startedAt ? Date.parse(this.job.startedAt) : now.getTime();
    const args: unknown[] = [outcome.status, now.toISOString(), now.getTime() - startedMs];
    for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
      if (key === 'phase') continue;
      const value = outcome[key as keyof JobOutcome];
      if (value !== undefined) sets.push(`${column} = ?`) && args.push(value);
    }
    const result = this.db
      .prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ? AND runner_id = ? AND status = 'running'`)
      .run(...args, this.job.id, this.runnerId);
    return result.changes === 1;
  }

  async release(reason: string): Promise<void> {
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', runner_id = NULL, lease_until = NULL, phase = NULL, error_message = ?
         WHERE id = ? AND runner_id = ? AND status = 'running'`,
      )
      .run(reason, this.job.id, this.runnerId);
  }
}
