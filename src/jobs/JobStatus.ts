import { isOneOf } from '../util/isOneOf.js';

// Plain values, no zod: the embedded store and the read-only commands load this, and their start-up
// is most of what a `drover status` costs. Edges that validate input build `z.enum(JOB_STATUSES)`.
export const JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'needs_human',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function isJobStatus(value: unknown): value is JobStatus {
  return isOneOf(JOB_STATUSES, value);
}

export const TERMINAL_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'needs_human',
];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Allowed transitions; anything else is a bug or a duplicate delivery and is refused by the stores. */
const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['queued', 'succeeded', 'failed', 'timed_out', 'cancelled', 'needs_human'],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
  needs_human: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
