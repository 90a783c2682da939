// The dashboard's client of the plans API. Types are the server's (type imports, erased from the bundle).
import type { PlanEvent } from '../../plans/PlanEvent.js';
import type { PlanSummary, PlanView, RunView, TaskView } from '../../plans/planView.js';
import type { TaskStatus } from '../../plans/TaskStatus.js';
import { api, authHeaders, noteUnauthorized } from './api';
import { readEvents } from './sse';

export type { PlanEvent, PlanSummary, PlanView, RunView, TaskStatus, TaskView };

/** Board columns, in order (a copy of the server's list: its module would bring zod into the bundle). */
export const COLUMNS = [
  'backlog',
  'ready',
  'in_progress',
  'in_review',
  'needs_human',
  'blocked',
  'done',
] as const satisfies readonly TaskStatus[];

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
  onState?(state: 'live' | 'reconnecting' | 'unauthorized'): void;
}

/**
 * Follows a plan's ledger over SSE (fetch, so the token stays in a header) and resumes after a drop
 * with Last-Event-ID. Returns a function that stops following.
 */
export function followPlan(name: string, handlers: PlanFollowHandlers): () => void {
  const controller = new AbortController();
  let lastId = '0';
  const run = async () => {
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      try {
        const res = await fetch(`${path(name)}/events`, {
          headers: { ...authHeaders(), accept: 'text/event-stream', 'last-event-id': lastId },
          signal: controller.signal,
        });
        noteUnauthorized(res.status === 401);
        if (res.status === 401) {
          handlers.onState?.('unauthorized');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        attempt = 0;
        handlers.onState?.('live');
        await readEvents(res.body, (m) => {
          if (m.event === 'plan') return handlers.onPlan(JSON.parse(m.data) as PlanView);
          if (m.id !== undefined) lastId = m.id;
          handlers.onEvent(JSON.parse(m.data) as PlanEvent);
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onState?.('reconnecting');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** Math.min(attempt, 4))));
    }
  };
  void run();
  return () => controller.abort();
}
