import { z } from 'zod';
import { InvalidInputError, InvalidMoveError } from '../errors.js';
import { mutatePlan } from './mutatePlan.js';
import type { PlanState } from './PlanState.js';
import { dependenciesDone, findTask, moveTask } from './planTasks.js';
import { taskView } from './planView.js';
import type { PlanStore } from './types.js';

/** A person's rework comment: handed to the executor verbatim. */
export const ReworkComment = z.string().trim().min(1, 'must not be empty').max(16_000);

/** A person approves a task the reviewer passed: needs_human → done. */
export async function approveTask(store: PlanStore, plan: string, id: string) {
  return act(store, plan, id, (_p, task, emit) => {
    const move = moveTask(task, 'done', 'person');
    task.feedback = null;
    emit({ type: 'task.done', task: task.id, data: { ...move, by: 'person' } });
  });
}

/** A person asks for rework: needs_human → in_review; the executor fixes up the branch with the comment. */
export async function reworkTask(store: PlanStore, plan: string, id: string, comment: unknown) {
  const parsed = ReworkComment.safeParse(comment);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new InvalidInputError(`comment: ${message}`, [{ path: 'comment', message }]);
  }
  return act(store, plan, id, (_p, task, emit) => {
    const move = moveTask(task, 'in_review', 'person');
    task.feedback = { kind: 'rework', text: parsed.data };
    task.reviewCycles = 0;
    emit({ type: 'task.rework', task: task.id, data: { ...move, by: 'person', comment: parsed.data } });
  });
}

/** A person retries a blocked task: blocked → ready, its counters reset. */
export async function retryTask(store: PlanStore, plan: string, id: string) {
  return act(store, plan, id, (_p, task, emit) => {
    const move = moveTask(task, 'ready', 'person');
    const after = task.blocked?.errorKind;
    Object.assign(task, { blocked: null, reviewCycles: 0, stalls: 0, retries: 0 });
    emit({ type: 'task.ready', task: task.id, data: { ...move, by: 'person', retry: true, after } });
  });
}

/** A person promotes a backlog task whose dependencies are done (plans with autoPromote off). */
export async function promoteTask(store: PlanStore, plan: string, id: string) {
  return act(store, plan, id, (p, task, emit) => {
    if (task.status === 'backlog' && !dependenciesDone(p, task)) {
      const open = task.dependsOn.filter((d) => p.tasks.find((t) => t.id === d)?.status !== 'done');
      throw new InvalidMoveError(
        task.id,
        task.status,
        'ready',
        `Task ${task.id} cannot move from backlog to ready: its dependencies ${open.join(', ')} are not done.`,
      );
    }
    emit({ type: 'task.ready', task: task.id, data: { ...moveTask(task, 'ready', 'person'), by: 'person' } });
  });
}

/** Paused: no new runs, promotions or retries; runs in flight finish and are recorded. */
export async function setPaused(store: PlanStore, name: string, paused: boolean) {
  const { plan } = await mutatePlan(store, name, (p, emit) => {
    if (p.paused === paused) return;
    p.paused = paused;
    emit({ type: paused ? 'plan.paused' : 'plan.resumed', task: null, data: { by: 'person' } });
  });
  return plan;
}

async function act(
  store: PlanStore,
  name: string,
  id: string,
  change: (
    plan: PlanState,
    task: ReturnType<typeof findTask>,
    emit: Parameters<Parameters<typeof mutatePlan>[2]>[1],
  ) => void,
) {
  const { plan } = await mutatePlan(store, name, (p, emit) => change(p, findTask(p, id), emit));
  return taskView(plan, findTask(plan, id));
}
