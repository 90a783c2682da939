import { NotFoundError } from '../errors.js';
import type { Emit } from './mutatePlan.js';
import {
  type FailureClass,
  isActiveRun,
  type PlanState,
  type RunRecord,
  type RunRole,
  type TaskState,
} from './PlanState.js';
import type { Actor, TaskStatus } from './TaskStatus.js';
import { assertMove } from './taskMoves.js';

export function findTask(plan: PlanState, id: string): TaskState {
  const task = plan.tasks.find((t) => t.id === id);
  if (!task) throw new NotFoundError(`Plan ${plan.name} has no task ${id}.`);
  return task;
}

/** Board order: priority (P0 first), then the order of the plan file. */
export function byPriority(tasks: readonly TaskState[]): TaskState[] {
  return [...tasks].sort((a, b) => a.priority.localeCompare(b.priority) || a.index - b.index);
}

export function activeRuns(plan: PlanState, filter: { task?: string; role?: RunRole } = {}): RunRecord[] {
  return plan.runs.filter(
    (r) =>
      isActiveRun(r) &&
      (filter.task === undefined || r.task === filter.task) &&
      (filter.role === undefined || r.role === filter.role),
  );
}

export function dependenciesDone(plan: PlanState, task: TaskState): boolean {
  return task.dependsOn.every((id) => plan.tasks.find((t) => t.id === id)?.status === 'done');
}

/** Moves a task after checking the move is allowed; returns from/to for the event's data. */
export function moveTask(
  task: TaskState,
  to: TaskStatus,
  by: Actor,
  now = new Date().toISOString(),
): { from: TaskStatus; to: TaskStatus } {
  assertMove(task.id, task.status, to, by);
  const from = task.status;
  task.status = to;
  task.statusSince = now;
  return { from, to };
}

export function taskBranch(plan: string, task: string): string {
  return `drover/${plan}/${task}`;
}

/** Blocks a task (from any status but done) and says why; the reason names the failure. */
export function block(
  task: TaskState,
  cls: FailureClass,
  errorKind: string,
  reason: string,
  emit: Emit,
  jobId?: string,
) {
  if (task.status === 'blocked' || task.status === 'done') return;
  const move = moveTask(task, 'blocked', 'orchestrator');
  task.blocked = {
    classification: cls,
    errorKind,
    reason,
    at: task.statusSince,
    ...(jobId ? { jobId } : {}),
  };
  emit({
    type: 'task.blocked',
    task: task.id,
    data: { ...move, classification: cls, errorKind, reason, ...(jobId ? { jobId } : {}) },
  });
}
