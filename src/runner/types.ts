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
