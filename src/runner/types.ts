import type { JobOutcome, JobRecord } from '../jobs/JobRecord.js';

/**
 * Told when a job starts running on this runner and when it reaches its terminal status (signed
 * callbacks, a control plane's task reporting). Implementations must return at once: the runner
 * never waits for them, and an observer that throws is logged and ignored.
 */
export interface JobLifecycleObserver {
  /** A claimed job is about to run (each attempt). */
  started?(job: JobRecord): void;
  /** The job's terminal status was written (`job` is the record with the outcome applied). */
  finished?(job: JobRecord, outcome: JobOutcome): void;
}

/** Credentials one job uses for git (and, when `forApi`, for its PR/MR), from a resolver port. */
export interface JobCredentials {
  token: string;
  /** User name of git's Basic auth header (default: DROVER_GIT_USERNAME). */
  username?: string;
  /** The token also serves the forge API for this job's PR (e.g. minted for the job's repository). */
  forApi?: boolean;
}

/**
 * Resolves a job's credentials when it starts (on whichever machine runs it). Injected by the command
 * that builds the Runner: per-user tokens (Redis), tokens minted for a forge job's repository, ...
 * A plain string is a git token; undefined means none.
 */
export type ResolveJobCredentials = (req: {
  userId?: string;
  job: JobRecord;
}) => Promise<string | JobCredentials | undefined>;
