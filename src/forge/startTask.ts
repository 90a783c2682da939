import { startedBody, waitingBody } from './commentBodies.js';
import type { ForgeDeps } from './ForgeDeps.js';
import type { ForgeTask } from './ForgeTask.js';

/**
 * Starts a task whose turn has come: enqueues its job under the id chosen when the task was made (so
 * a second start after a crash finds the job instead of queueing another) and points its comment at it.
 */
export async function startTask(deps: ForgeDeps, task: ForgeTask): Promise<ForgeTask> {
  if (!task.jobId || !task.spec) throw new Error(`forge task ${task.id} has no job to start`);
  const existing = await deps.store.get(task.jobId);
  if (!existing) {
    await deps.store.enqueue(task.spec, { id: task.jobId, ...(task.source ? { source: task.source } : {}) });
    deps.logger.info({ jobId: task.jobId, taskId: task.id, repo: task.repo.path }, 'forge job queued');
  }
  const body = startedBody({ taskId: task.id, ...pub(deps) }, task.jobId, task.spec.branch ?? '');
  return moveTask(deps, task, 'running', body);
}

/** The task waits behind `ahead` others in its lane; its comment says behind which job. */
export async function markWaiting(deps: ForgeDeps, task: ForgeTask, ahead: number): Promise<ForgeTask> {
  const headId = task.lane ? await deps.state.laneHead(task.lane) : undefined;
  const head = headId ? await deps.state.getTask(headId) : undefined;
  const body = waitingBody({ taskId: task.id, ...pub(deps) }, task.spec?.branch ?? '', ahead, head?.jobId);
  return moveTask(deps, task, 'waiting', body);
}

/** The task in its new state with a new comment to post (or edit), saved for the reporter, woken now. */
async function moveTask(
  deps: ForgeDeps,
  task: ForgeTask,
  state: ForgeTask['state'],
  body: string,
): Promise<ForgeTask> {
  const moved: ForgeTask = {
    ...task,
    state,
    comment: { ...(task.comment.id ? { id: task.comment.id } : {}), body, synced: false, attempts: 0 },
    open: true,
    nextAt: Date.now(),
  };
  await deps.state.saveTask(moved);
  deps.wake();
  return moved;
}

export function pub(deps: ForgeDeps): { publicUrl?: string } {
  return deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {};
}
