import { z } from 'zod';
import { INTAKES } from './intakes.js';

export const Intake = z.enum(INTAKES);
export type Intake = z.infer<typeof Intake>;

export const JobSource = z.object({
  intake: Intake,
  // Forge intake: the issue or PR/MR that asked for the job.
  forge: z.enum(['github', 'gitlab']).optional(),
  repo: z.string().max(500).optional(),
  kind: z.enum(['issue', 'pr']).optional(),
  number: z.number().int().nonnegative().optional(),
  commentId: z.union([z.number(), z.string().max(200)]).optional(),
  deliveryId: z.string().max(200).optional(),
  author: z.string().max(200).optional(),
  url: z.string().max(2048).optional(),
  // GitHub App installation covering the repo: runners mint the job's token from it.
  installationId: z.number().int().positive().optional(),
  // Plans: the task and the role of this run.
  plan: z.string().max(200).optional(),
  task: z.string().max(200).optional(),
  role: z.enum(['executor', 'reviewer', 'planner']).optional(),
  // Task runner: the control plane's task id.
  taskId: z.string().max(200).optional(),
});
export type JobSource = z.infer<typeof JobSource>;
