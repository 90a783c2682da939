import { z } from 'zod';
import { Duration } from '../../config/duration.js';
import { AgentName, JobSpecFields } from '../../jobs/JobSpec.js';
import { PlanDefaults, PlanName, PlanSettings, TaskId } from '../PlanFile.js';

export const PlanParams = z.object({ name: PlanName });
export const TaskParams = z.object({ name: PlanName, task: TaskId });
export const ReworkBody = z.strictObject({ comment: z.string() });

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const LedgerQuery = z.strictObject({
  after: whole(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: whole(1, 1000).default(500),
});
export const PlanEventsQuery = z.strictObject({ after: whole(0, Number.MAX_SAFE_INTEGER).optional() });

/** POST /api/plans/kickoff. */
export const KickoffBody = z.strictObject({
  repo: JobSpecFields.shape.repo,
  baseRef: JobSpecFields.shape.baseRef,
  goal: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64 * 1024),
  name: PlanName.optional(),
  dryRun: z.boolean().optional(),
  defaults: PlanDefaults.optional(),
  settings: PlanSettings.partial().optional(),
  planner: z
    .strictObject({
      agent: AgentName.optional(),
      agentCmd: JobSpecFields.shape.agentCmd,
      model: JobSpecFields.shape.model,
      timeout: Duration.optional(),
    })
    .optional(),
});
export type KickoffBody = z.infer<typeof KickoffBody>;
