import { z } from 'zod';

/** A task's place on the board, in board order. */
export const TASK_STATUSES = [
  'backlog',
  'ready',
  'in_progress',
  'in_review',
  'needs_human',
  'blocked',
  'done',
] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Who makes a move: the orchestrator, or a person (CLI, API, dashboard). */
export type Actor = 'orchestrator' | 'person';
