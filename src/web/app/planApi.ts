// The dashboard's client of the plans API. Types are the server's (type imports, erased from the bundle);
// the status list comes from a module without zod.
import type { PlanEvent } from '../../plans/PlanEvent.js';
import type { PlanSummary, PlanView, RunView, TaskView } from '../../plans/planView.js';
import type { TaskStatus } from '../../plans/TaskStatus.js';
import { TASK_STATUSES } from '../../plans/taskStatusList.js';
import { api } from './api';
import { followStream, type StreamState } from './sse';

export type { PlanEvent, PlanSummary, PlanView, RunView, TaskStatus, TaskView };

/** Board columns, in order: the task statuses. */
export const COLUMNS = TASK_STATUSES;

const path = (name: string) => `/api/plans/${encodeURIComponent(name)}`;
const taskPath = (name: string, task: string, action: string) =>
  `${path(name)}/tasks/${encodeURIComponent(task)}/${action}`;

export const listPlans = () => api<{ plans: PlanSummary[] }>('/api/plans');
export const getPlan = (name: string) => api<PlanView>(path(name));
export const approveTask = (name: string, task: string) =>
  api<TaskView>(taskPath(name, task, 'approve'), { method: 'POST' });
export const retryTask = (name: string, task: string) =>
  api<TaskView>(taskPath(name, task, 'retry'), { method: 'POST' });
export const promoteTask = (name: string, task: string) =>
  api<TaskView>(taskPath(name, task, 'promote'), { method: 'POST' });
export const reworkTask = (name: string, task: string, comment: string) =>
  api<TaskView>(taskPath(name, task, 'rework'), { method: 'POST', body: { comment } });
export const setPlanPaused = (name: string, paused: boolean) =>
  api<PlanView>(`${path(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST' });

export interface PlanFollowHandlers {
  onEvent(event: PlanEvent): void;
  onPlan(plan: PlanView): void;
  onState?(state: StreamState): void;
}

/** Follows a plan's ledger and board as long as it is open (a plan's stream has no end). */
export function followPlan(name: string, handlers: PlanFollowHandlers): () => void {
  return followStream(`${path(name)}/events`, {
    onMessage(m) {
      if (m.event === 'plan') handlers.onPlan(JSON.parse(m.data) as PlanView);
      else handlers.onEvent(JSON.parse(m.data) as PlanEvent);
      return false;
    },
    onState: handlers.onState,
  });
}
