import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { AgentName, JobSpecFields } from '../jobs/JobSpec.js';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const slug = (what: string) =>
  z
    .string()
    .regex(
      SLUG,
      `must be a ${what}: 1-63 lowercase letters, digits and "-", starting with a letter or digit`,
    );

/** Plan names and task ids are slugs: they appear in branch names (`drover/<plan>/<task>`) and URLs. */
export const PlanName = slug('plan name');
export const TaskId = slug('task id');
export const Priority = z.enum(['P0', 'P1', 'P2']);
export type Priority = z.infer<typeof Priority>;

/** A duration setting, bounded: from 1 second to 7 days. */
const SettingDuration = z.union([z.string().max(32), z.number()]).superRefine((value, ctx) => {
  try {
    const ms = parseDuration(value);
    if (ms < 1000) ctx.addIssue({ code: 'custom', message: 'must be at least 1s' });
    if (ms > 7 * 86_400_000) ctx.addIssue({ code: 'custom', message: 'must be at most 7d' });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const PlanSettings = z.strictObject({
  /** Executor runs at a time. */
  maxExecutors: z.number().int().min(1).max(50).default(3),
  /** Reviewer runs at a time. */
  maxReviewers: z.number().int().min(1).max(50).default(2),
  /** Tasks the orchestrator keeps in `ready` (promoted from the backlog once their dependencies are done). */
  readyBuffer: z.number().int().min(1).max(50).default(2),
  /** FAIL/INCOMPLETE verdicts before the task is blocked (the cycle cap). */
  reviewCycles: z.number().int().min(1).max(20).default(5),
  /** Wait before a task blocked by a transient failure is retried. */
  retryCooldown: SettingDuration.default('15m'),
  /** A run in progress longer than this is cancelled and its task blocked (transient). */
  watchdog: SettingDuration.default('15m'),
  /** Promote backlog tasks to ready by themselves (else a person promotes them). */
  autoPromote: z.boolean().default(true),
  /** Automatic retries of transient failures per task, before it waits for a person. */
  maxRetries: z.number().int().min(0).max(20).default(3),
});
export type PlanSettings = z.infer<typeof PlanSettings>;

/** Job spec fields a task may override (a task's runs are jobs with these fields). */
export const TASK_OVERRIDE_FIELDS = [
  'agent',
  'agentCmd',
  'model',
  'timeout',
  'idleTimeout',
  'maxTurns',
  'maxCostUsd',
  'sandbox',
  'environment',
  'verify',
  'fixRounds',
  'allowNoChanges',
  'reviewAgent',
  'reviewCmd',
  'pr',
  'prOnFailure',
  'prProvider',
] as const;

const overrideShape = Object.fromEntries(TASK_OVERRIDE_FIELDS.map((f) => [f, true])) as {
  [K in (typeof TASK_OVERRIDE_FIELDS)[number]]: true;
};

export const TaskOverrides = JobSpecFields.pick(overrideShape)
  .extend({ agent: AgentName.optional() })
  .partial();
export type TaskOverrides = z.infer<typeof TaskOverrides>;

/** Job spec fields for every run of the plan; a task's own fields win over them. */
export const PlanDefaults = JobSpecFields.pick({ ...overrideShape, push: true, userId: true })
  .extend({ agent: AgentName.optional() })
  .partial()
  .strict();
export type PlanDefaults = z.infer<typeof PlanDefaults>;

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number, what: string) =>
  z
    .array(item)
    .max(max)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const value of list) {
        if (seen.has(value)) ctx.addIssue({ code: 'custom', message: `lists ${what} "${value}" twice` });
        seen.add(value);
      }
    });

export const PlanTaskInput = TaskOverrides.extend({
  id: TaskId,
  title: z.string().trim().min(1, 'must not be empty').max(200),
  prompt: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64 * 1024),
  dependsOn: uniqueList(TaskId, 50, 'task').default([]),
  priority: Priority.default('P1'),
  /** Criteria given to the executor and the reviewer. */
  acceptance: z.array(z.string().trim().min(1, 'must not be empty').max(2000)).max(50).default([]),
}).strict();
export type PlanTaskInput = z.infer<typeof PlanTaskInput>;

export const MAX_TASKS = 200;

/** A plan file (YAML or JSON), as `drover plan apply` and POST /api/plans accept it. */
export const PlanFile = z
  .strictObject({
    name: PlanName,
    repo: JobSpecFields.shape.repo,
    baseRef: JobSpecFields.shape.baseRef,
    defaults: PlanDefaults.prefault({}),
    settings: PlanSettings.prefault({}),
    tasks: z.array(PlanTaskInput).min(1, 'must list at least one task').max(MAX_TASKS),
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    for (const [i, task] of plan.tasks.entries()) {
      if (seen.has(task.id))
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `"${task.id}" is used twice` });
      seen.add(task.id);
    }
  });
export type PlanFile = z.infer<typeof PlanFile>;
export type PlanFileInput = z.input<typeof PlanFile>;

/** The job spec overrides a task carries (its own fields that are job spec fields). */
export function taskOverrides(task: PlanTaskInput): TaskOverrides {
  const out: Record<string, unknown> = {};
  for (const field of TASK_OVERRIDE_FIELDS) if (task[field] !== undefined) out[field] = task[field];
  return out as TaskOverrides;
}
