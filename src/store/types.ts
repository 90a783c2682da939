import type { JobOutcome, JobPatch, JobRecord } from '../jobs/JobRecord.js';
import type { JobSource } from '../jobs/JobSource.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { JobStatus } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';

export interface ListFilter {
  status?: JobStatus;
  /** Exactly this repo URL or path. */
  repo?: string;
  /** Repos whose URL or path contains this text (case-insensitive). */
  repoContains?: string;
  /** Free text (case-insensitive substring) in the id, repo, branch, prompt or source (author, URL, plan, task). */
  text?: string;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** Opaque cursor from a previous page's nextCursor (jobs older than it, newest first). */
  cursor?: string;
}

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
}

export interface HeartbeatResult {
  /** Another runner owns the job now (lease lapsed and was taken over): stop without writing. */
  lost: boolean;
  cancelRequested: boolean;
}

/** A claimed job. The runner must heartbeat while it works and end it with finish or release. */
export interface Lease {
  readonly job: JobRecord;
  heartbeat(): Promise<HeartbeatResult>;
  /**
   * Writes the terminal status exactly once and releases the claim (acks the delivery).
   * Returns false when the job already had a terminal status (duplicate delivery) or is no longer ours.
   */
  finish(outcome: JobOutcome): Promise<boolean>;
  /** Puts the job back in the queue for another attempt (graceful shutdown), not counted as failed. */
  release(reason: string): Promise<void>;
}

export interface ClaimOptions {
  /** How long the claim stays ours without a heartbeat. */
  leaseMs: number;
  /** How long to wait for work before returning undefined. */
  waitMs: number;
  signal?: AbortSignal;
}

export interface EnqueueOptions {
  id?: string;
  /** Recorded on the job (which intake created it); the runner's trust decisions read it. */
  source?: JobSource;
}

export interface EnqueueClaimedOptions extends EnqueueOptions {
  runnerId: string;
  /** How long the claim stays ours without a heartbeat. */
  leaseMs: number;
}

export interface RunnerInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  jobs: string[];
  concurrency: number;
  lastSeenAt: string;
}

/**
 * The one port every backend implements: job records, the queue, and job output.
 * Adapters: SqliteStore (embedded, default) and RedisStore (many machines).
 */
export interface JobStore {
  readonly kind: 'sqlite' | 'redis';
  enqueue(spec: JobSpec, opts?: EnqueueOptions): Promise<JobRecord>;
  /**
   * Creates a job already claimed by `runnerId` in one atomic step (drover run): no other runner ever
   * sees it queued. If the claimant dies, its lapsed lease re-queues the job like any other claim's.
   */
  enqueueClaimed(spec: JobSpec, opts: EnqueueClaimedOptions): Promise<Lease>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter?: ListFilter): Promise<JobPage>;
  countByStatus(): Promise<Record<JobStatus, number>>;
  claim(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined>;
  /** Progress fields while running (branch, commit, phase, cost...). */
  update(id: string, patch: JobPatch): Promise<void>;
  /** Appends already-masked, already-numbered entries (seq strictly increasing per job). */
  appendOutput(id: string, entries: OutputEntry[]): Promise<void>;
  readOutput(id: string, afterSeq: number, limit: number): Promise<OutputEntry[]>;
  /** Highest seq stored for the job (0 when none), so a retry continues numbering. */
  lastSeq(id: string): Promise<number>;
  /** Cancels a queued job at once; flags a running one for its runner. Undefined when unknown. */
  requestCancel(id: string): Promise<JobRecord | undefined>;
  /** Liveness of runners (worker heartbeats). */
  registerRunner(info: RunnerInfo, ttlMs: number): Promise<void>;
  unregisterRunner(id: string): Promise<void>;
  listRunners(): Promise<RunnerInfo[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
