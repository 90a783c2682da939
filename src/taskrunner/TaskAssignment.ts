import { z } from 'zod';
import { httpUrlProblem } from '../util/httpUrlProblem.js';

/**
 * What the operator POSTs to /task: the task's name (a Kubernetes object name, also used in the
 * branch and in API paths) and the base URL of the control plane's internal API.
 */
export const TaskAssignment = z.looseObject({
  taskID: z
    .string()
    .min(1, 'must not be empty')
    .max(253, 'must be at most 253 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-" (a task name)')
    .refine(
      (id) => !id.includes('..') && !id.endsWith('.'),
      'must be a task name (no "..", no trailing ".")',
    ),
  apiURL: z
    .string()
    .min(1, 'must not be empty')
    .max(2048)
    .superRefine((value, ctx) => {
      const problem = apiUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type TaskAssignment = z.infer<typeof TaskAssignment>;

function apiUrlProblem(value: string): string | undefined {
  const problem = httpUrlProblem(value);
  if (problem) return problem;
  const url = new URL(value);
  if (url.search || url.hash) return 'must not have a query or fragment';
  return undefined;
}

/** The problems of an assignment, each naming its field, or the parsed assignment. */
export function parseAssignment(
  value: unknown,
): { ok: true; assignment: TaskAssignment } | { ok: false; missing: string[]; problems: string[] } {
  const parsed = TaskAssignment.safeParse(value);
  if (parsed.success) return { ok: true, assignment: parsed.data };
  const missing = new Set<string>();
  const problems: string[] = [];
  const body = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  if (!body) return { ok: false, missing: [], problems: ['the body must be a JSON object'] };
  for (const issue of parsed.error.issues) {
    const field = issue.path.map(String).join('.') || '(root)';
    const given = body[field];
    if (given === undefined || given === null || given === '') missing.add(field);
    else problems.push(`${field}: ${issue.message}`);
  }
  return { ok: false, missing: [...missing], problems };
}
