import { z } from 'zod';

/** GET /api/v1/tasks/{taskID}/data: what to do and where. */
export const TaskData = z.looseObject({
  description: z.string().trim().min(1, 'must not be empty').max(100_000),
  context: z.string().max(1_000_000).nullish(),
  sourceURL: z.string().max(2048).nullish(),
  repo: z.looseObject({
    url: z.string().min(1, 'must not be empty').max(2048),
    ref: z.string().max(255).nullish(),
  }),
});
export type TaskData = z.infer<typeof TaskData>;

/** GET /api/v1/tasks/{taskID}/token: a one-time git token for the task's repository. */
export const TaskToken = z.looseObject({
  token: z.string().min(1, 'must not be empty').max(10_000),
  expiresAt: z.string().optional(),
});
export type TaskToken = z.infer<typeof TaskToken>;

/** Status events the runner posts; only the first terminal one counts on the control plane. */
export type TaskStatusEvent = 'started' | 'progress' | 'completed' | 'failed';

/** One normalized agent event as POST /api/v1/tasks/{taskID}/events carries it. */
export interface TaskEvent {
  sequence: number;
  timestamp: string;
  type: 'thinking' | 'tool_call' | 'tool_result' | 'error';
  summary: string;
  tool?: string;
  input?: Record<string, unknown>;
  output?: { success: boolean; summary?: string };
  metadata?: Record<string, unknown>;
}
