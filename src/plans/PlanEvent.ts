import { z } from 'zod';

/**
 * Ledger events. Moves carry `from` and `to` in their data; runs carry `jobId` and `role`.
 * `run.finished`, `task.rework`, `orchestrator.acquired` and the `plan.*` events complete the record.
 */
export const PLAN_EVENT_TYPES = [
  'plan.created',
  'plan.updated',
  'plan.paused',
  'plan.resumed',
  'plan.done',
  'orchestrator.acquired',
  'task.created',
  'task.updated',
  'task.ready',
  'task.assigned',
  'run.finished',
  'review.outcome',
  'review.stalled',
  'task.blocked',
  'task.retry',
  'task.cycle_cap',
  'task.watchdog',
  'task.rework',
  'pr.opened',
  'task.done',
] as const;
export const PlanEventType = z.enum(PLAN_EVENT_TYPES);
export type PlanEventType = z.infer<typeof PlanEventType>;

export const PlanEvent = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  type: PlanEventType,
  task: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type PlanEvent = z.infer<typeof PlanEvent>;

/** An event before the store numbers it. */
export type NewPlanEvent = Omit<PlanEvent, 'seq' | 'ts'>;
