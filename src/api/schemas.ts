import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { JOB_ID_PATTERN } from '../jobs/ids.js';
import { JOB_STATUSES } from '../jobs/JobStatus.js';
import { describeIssues } from '../jobs/parseJobSpec.js';

/** A whole number in a query string or header, with a message a user can act on. */
export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const JobIdParams = z.object({
  id: z.string().regex(JOB_ID_PATTERN, 'is not a job id'),
});

export const ListJobsQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  /** Part of the repo URL or path (case-insensitive). */
  repo: z.string().trim().min(1, 'must not be empty').max(2048).optional(),
  /** Free text: id, repo, branch, prompt, source (case-insensitive). */
  q: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
  limit: wholeNumber(1, 500).optional(),
  cursor: z.string().min(1).max(256).optional(),
});

export const LogsQuery = z.strictObject({
  after: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber(1, 1000).default(500),
});

export const EventsQuery = z.strictObject({
  after: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
});

/** The Last-Event-ID header a reconnecting EventSource sends: the seq of the last event it got. */
export const LastEventId = wholeNumber(0, Number.MAX_SAFE_INTEGER);

/** Parses a request part; a failure is a 400 whose issues name each field (prefixed by `where`). */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? { path: issue.keys.join(', '), message: `unknown ${where} parameter` }
      : { path: issue.path.map(String).join('.') || where, message: issue.message },
  );
  throw new InvalidInputError(`Invalid ${where}: ${describeIssues(issues)}`, issues);
}
