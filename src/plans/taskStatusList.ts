/**
 * A task's places on the board, in board order. Without zod, so the dashboard takes the list itself
 * (TaskStatus.ts makes the schema of it).
 */
export const TASK_STATUSES = [
  'backlog',
  'ready',
  'in_progress',
  'in_review',
  'needs_human',
  'blocked',
  'done',
] as const;
