import type { ErrorKind } from './ErrorKind.js';
import type { JobSource } from './JobSource.js';
import type { JobSpec } from './JobSpec.js';
import type { JobStatus } from './JobStatus.js';
import type { ReviewVerdict } from './ReviewVerdict.js';

/** A job as stored and reported (CLI --json, API, Redis hash). Timestamps are ISO-8601 strings. */
export interface JobRecord {
  id: string;
  status: JobStatus;
  spec: JobSpec;
  repo: string;
  baseRef: string | null;
  branch: string;
  agent: string;
  commit: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  errorKind: ErrorKind | null;
  errorMessage: string | null;
  attempts: number;
  runnerId: string | null;
  costUsd: number | null;
  turns: number | null;
  /** Model tokens of the job's calls through the model gateway: input not read from cache (cache writes included). */
  inputTokens: number | null;
  /** Input tokens read from the provider's prompt cache. */
  cachedInputTokens: number | null;
  /** Output tokens (reasoning/thinking included). */
  outputTokens: number | null;
  prUrl: string | null;
  /** Current pipeline phase while running (preparing, cloning, agent, verify, committing, pushing...). */
  phase: string | null;
  /** The intake that created the job (CLI, API, forge...) and what asked for it; null when unknown. */
  source: JobSource | null;
  /** The last review's verdict (review-only jobs, and jobs with the reviewer loop); null without one. */
  verdict: ReviewVerdict | null;
  /** The last review's findings (masked, bounded); null without a review. */
  findings: string | null;
  cancelRequested: boolean;
}

/** Fields a runner may set while a job runs or when it ends. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | 'baseRef'
    | 'branch'
    | 'commit'
    | 'exitCode'
    | 'costUsd'
    | 'turns'
    | 'inputTokens'
    | 'cachedInputTokens'
    | 'outputTokens'
    | 'prUrl'
    | 'phase'
    | 'errorKind'
    | 'errorMessage'
    | 'verdict'
    | 'findings'
  >
>;

/** The terminal outcome a runner reports. */
export interface JobOutcome extends JobPatch {
  status: Exclude<JobStatus, 'queued' | 'running'>;
}

/** The public shape (drover run --json, API): the record minus internals, plus nothing secret. */
export type PublicJob = Omit<JobRecord, 'cancelRequested'>;

export function publicJob(job: JobRecord): PublicJob {
  const { cancelRequested: _ignored, ...rest } = job;
  return rest;
}
