import type { JobRecord } from '../jobs/JobRecord.js';

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
