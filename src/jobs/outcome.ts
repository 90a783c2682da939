import type { DroverError } from '../errors.js';
import type { JobStatus } from './JobStatus.js';

/** The terminal status an error ends a job with. */
export function statusForError(err: DroverError): Exclude<JobStatus, 'queued' | 'running' | 'succeeded'> {
  switch (err.kind) {
    case 'timeout':
    case 'idle_timeout':
      return 'timed_out';
    case 'cancelled':
      return 'cancelled';
    case 'review':
      return 'needs_human';
    default:
      return 'failed';
  }
}
