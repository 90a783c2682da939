import type { Logger } from 'pino';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { JobStore } from '../store/types.js';
import type { PlanEvent } from './PlanEvent.js';
import type { PlanDoc, PlanState, RunRecord } from './PlanState.js';

/** Who runs a plan's orchestrator now (the store's lease on the plan). */
export interface LeaseHolder {
  holder: string;
  host: string;
  pid: number;
  /** When the lease lapses unless renewed (ISO). */
  until: string;
}

/**
 * The plans' port: plan documents written with compare-and-set, the runs ledger and the events,
 * each save atomic, and one lease per plan for its orchestrator. Adapters: SqlitePlanStore (the
 * embedded store's database file) and RedisPlanStore (the Redis backend).
 */
export interface PlanStore {
  readonly kind: 'sqlite' | 'redis';
  names(): Promise<string[]>;
  /** Every plan's document (no runs), by name. */
  list(): Promise<PlanDoc[]>;
  get(name: string): Promise<PlanState | undefined>;
  /**
   * Writes `doc` when the stored version is `expected` (0: the plan must not exist yet), with the
   * changed runs and the new events (numbered by the caller), all at once. False on a conflict.
   */
  save(doc: PlanDoc, expected: number, runs: RunRecord[], events: PlanEvent[]): Promise<boolean>;
  /** Events with seq > afterSeq, in order. */
  events(name: string, afterSeq: number, limit: number): Promise<PlanEvent[]>;
  /** Takes the plan's lease, or renews it when `holder` has it; false while another holder's lease runs. */
  lease(name: string, holder: Omit<LeaseHolder, 'until'>, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  leaseHolder(name: string): Promise<LeaseHolder | undefined>;
  close(): Promise<void>;
}

/** Whether a branch's work has reached the base (merged), for stacking decisions. */
export interface BranchInspector {
  /** True when `branch` is gone from the remote or its head is contained in `base` (null: the default branch). */
  isMerged(repo: string, branch: string, base: string | null): Promise<boolean>;
}

/** What a plan's orchestrator works with (the job store is the runner's port). */
export interface OrchestratorDeps {
  plans: PlanStore;
  jobs: JobStore;
  resolveSpec: SpecResolver;
  inspector: BranchInspector;
  logger: Logger;
}

/** Done after the plan is saved: the job store hears only of what the saved plan already records. */
export type Effect = { kind: 'enqueue'; run: RunRecord; plan: string } | { kind: 'cancel'; jobId: string };
