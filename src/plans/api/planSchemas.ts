import { z } from 'zod';
import { wholeNumber } from '../../api/schemas.js';
import { Duration } from '../../config/durationSchema.js';
import { AgentName, JobSpecFields } from '../../jobs/JobSpec.js';
import { PlanDefaults, PlanName, PlanSettings, TaskId } from '../PlanFile.js';

export const PlanParams = z.object({ name: PlanName });
export const TaskParams = z.object({ name: PlanName, task: TaskId });
export const ReworkBody = z.strictObject({ comment: z.string() });

export const LedgerQuery = z.strictObject({
  after: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber(1, 1000).default(500),
});

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
