import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { describeIssues } from '../jobs/parseJobSpec.js';
import { parseYaml } from '../util/parseYaml.js';
import { PlanFile } from './PlanFile.js';
import { checkDependencies } from './planGraph.js';

/** Plan files above this are refused before parsing. */
export const MAX_PLAN_BYTES = 1024 * 1024;

/** A plan file's text as data: JSON when it looks like JSON (or the name ends in .json), else YAML. */
export function parsePlanText(text: string, source = 'plan'): unknown {
  if (Buffer.byteLength(text) > MAX_PLAN_BYTES) {
    throw invalid('file', `${source} is larger than ${MAX_PLAN_BYTES / 1024} KiB`);
  }
  const json = source.endsWith('.json') || /^\s*[{[]/.test(text);
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const what = json ? 'JSON' : 'YAML';
    throw invalid('file', `${source} is not valid ${what}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validates a plan (zod, then dependencies); errors name each field, tasks by their id. */
export function parsePlan(input: unknown): PlanFile {
  const result = PlanFile.safeParse(input);
  if (!result.success) {
    const issues = planIssues(result.error, input);
    throw new InvalidInputError(`Invalid plan: ${describeIssues(issues)}`, issues);
  }
  checkDependencies(result.data.tasks);
  return result.data;
}

/** zod issues with `tasks.<index>` shown as `tasks.<id>` when the task has a usable id. */
export function planIssues(error: z.ZodError, input: unknown): { path: string; message: string }[] {
  const tasks = (input as { tasks?: unknown } | null)?.tasks;
  return error.issues.map((issue) => {
    const path = issue.path.map((part, i) => {
      if (i === 1 && issue.path[0] === 'tasks' && typeof part === 'number' && Array.isArray(tasks)) {
        const id = (tasks[part] as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) return id;
      }
      return String(part);
    });
    const where = path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return {
        path: [where === '(root)' ? '' : `${where}.`, issue.keys.join(', ')].join(''),
        message: 'unknown field',
      };
    }
    return { path: where, message: issue.message };
  });
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`Invalid plan: ${path}: ${message}`, [{ path, message }]);
}
