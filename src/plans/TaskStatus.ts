import { z } from 'zod';
import { TASK_STATUSES } from './taskStatusList.js';

/** A task's place on the board. */
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Who makes a move: the orchestrator, or a person (CLI, API, dashboard). */
export type Actor = 'orchestrator' | 'person';
