import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { JobSpec } from './JobSpec.js';

/** Flattens zod issues into `field: problem` pairs a user can act on. */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return { path: issue.keys.join(', '), message: 'unknown field (not part of the job spec)' };
    }
    // zod's "Invalid input: expected string, received undefined" for a field that is simply missing.
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      return { path, message: 'is required' };
    }
    return { path, message: issue.message };
  });
}

export function describeIssues(issues: { path: string; message: string }[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** Validates a job spec from any edge; throws InvalidInputError naming each bad field. */
export function parseJobSpec(input: unknown): JobSpec {
  const result = JobSpec.safeParse(input);
  if (result.success) return result.data;
  const issues = zodIssues(result.error);
  throw new InvalidInputError(`Invalid job spec: ${describeIssues(issues)}`, issues);
}

/** Parses a JSON document into a job spec, with a clear error for malformed JSON. */
export function parseJobSpecJson(json: string, resolve: (input: unknown) => JobSpec = parseJobSpec): JobSpec {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new InvalidInputError(`Invalid job spec: payload is not valid JSON (${(err as Error).message})`, [
      { path: 'payload', message: 'is not valid JSON' },
    ]);
  }
  return resolve(value);
}
