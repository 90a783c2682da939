import { z } from 'zod';
import { JobSource } from '../jobs/JobSource.js';
import { JobSpec } from '../jobs/JobSpec.js';
import { readStoredJson } from '../util/storedJson.js';

const ForgeName = z.enum(['github', 'gitlab']);

/**
 * One trigger Drover accepted (or refused with a reply), as the forge state keeps it: the job it
 * runs, its lane (one job per branch at a time), and the one Drover comment with the body it should
 * show — `synced` false until the forge has it, so an outage only delays the comment.
 */
export const ForgeTask = z.object({
  id: z.string().min(1).max(100),
  repo: z.object({
    forge: ForgeName,
    path: z.string().min(1).max(500),
    projectId: z.number().int().positive().optional(),
    installationId: z.number().int().positive().optional(),
  }),
  thread: z.object({ kind: z.enum(['issue', 'pr']), number: z.number().int().nonnegative() }),
  /** `forge|repo|branch`: tasks in one lane run one after another. Absent for a reply-only task. */
  lane: z.string().max(1000).optional(),
  /** waiting: behind another job in its lane; running: its job is in the store; ended: reported; notice: a reply only. */
  state: z.enum(['waiting', 'running', 'ended', 'notice']),
  /** Chosen when the task is made, so starting it twice never enqueues two jobs. */
  jobId: z.string().max(64).optional(),
  spec: JobSpec.optional(),
  source: JobSource.optional(),
  comment: z.object({
    id: z.string().max(100).optional(),
    body: z.string(),
    synced: z.boolean(),
    /** Failed attempts to write it since it last changed (backoff). */
    attempts: z.number().int().nonnegative(),
    /** Not before (epoch ms): the backoff after a failed attempt. */
    retryAt: z.number().optional(),
  }),
  /** Needs the reporter: a job to follow or a comment to write. */
  open: z.boolean(),
  /** When the reporter looks at it next (epoch ms). */
  nextAt: z.number(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
});
export type ForgeTask = z.infer<typeof ForgeTask>;

/** Reads a stored task; anything unreadable is skipped (undefined), never trusted. */
export function parseStoredTask(raw: string | null | undefined): ForgeTask | undefined {
  return readStoredJson(ForgeTask, raw);
}

/** Whether the reporter still has something to do for the task. */
export function isOpen(task: Pick<ForgeTask, 'state' | 'comment'>): boolean {
  return task.state === 'waiting' || task.state === 'running' || !task.comment.synced;
}
