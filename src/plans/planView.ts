import type { PlanDoc, PlanState, RunRecord, TaskState } from './PlanState.js';
import type { TaskStatus } from './TaskStatus.js';
import { TASK_STATUSES } from './taskStatusList.js';
import type { LeaseHolder } from './types.js';

export type PlanStatus = 'active' | 'paused' | 'done';

export function planStatus(plan: PlanDoc): PlanStatus {
  if (plan.tasks.length > 0 && plan.tasks.every((t) => t.status === 'done')) return 'done';
  return plan.paused ? 'paused' : 'active';
}

export function countByStatus(plan: PlanDoc): Record<TaskStatus, number> {
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const task of plan.tasks) counts[task.status]++;
  return counts;
}

/** One line of `drover plan list` and GET /api/plans. */
export function planSummary(plan: PlanDoc) {
  return {
    name: plan.name,
    status: planStatus(plan),
    repo: plan.repo,
    baseRef: plan.baseRef,
    tasks: plan.tasks.length,
    counts: countByStatus(plan),
    costUsd: round(plan.tasks.reduce((sum, t) => sum + t.costUsd, 0)),
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
  };
}

/** A run as `plan status --json` and the API show it (`dispatching` is shown as queued). */
export function runView(run: RunRecord) {
  return {
    jobId: run.jobId,
    role: run.role,
    seq: run.seq,
    purpose: run.purpose ?? (run.role === 'reviewer' ? 'review' : 'start'),
    status: run.status === 'dispatching' ? 'queued' : run.status,
    verdict: run.verdict,
    classification: run.classification,
    errorKind: run.errorKind,
    errorMessage: run.errorMessage,
    costUsd: run.costUsd,
    prUrl: run.prUrl,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

export function taskView(plan: PlanState, task: TaskState) {
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    statusSince: task.statusSince,
    priority: task.priority,
    dependsOn: task.dependsOn,
    acceptance: task.acceptance,
    branch: task.branch,
    base: task.base,
    commit: task.commit,
    prUrl: task.prUrl,
    verdict: task.verdict,
    costUsd: task.costUsd > 0 ? round(task.costUsd) : null,
    reviewCycles: task.reviewCycles,
    retries: task.retries,
    blocked: task.blocked,
    waiting: task.waiting,
    feedback: task.feedback,
    runs: plan.runs.filter((r) => r.task === task.id).map(runView),
  };
}

/** `drover plan status --json` and GET /api/plans/:name. */
export function planView(plan: PlanState, orchestrator?: LeaseHolder) {
  return {
    ...planSummary(plan),
    paused: plan.paused,
    completedAt: plan.completedAt,
    settings: plan.settings,
    defaults: plan.defaults,
    orchestrator: orchestrator ?? null,
    tasks: plan.tasks.map((t) => taskView(plan, t)),
  };
}
export type PlanView = ReturnType<typeof planView>;
export type TaskView = ReturnType<typeof taskView>;
export type RunView = ReturnType<typeof runView>;
export type PlanSummary = ReturnType<typeof planSummary>;

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
