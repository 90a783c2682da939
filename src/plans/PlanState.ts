import { z } from 'zod';
import { JOB_STATUSES } from '../jobs/JobStatus.js';
import { REVIEW_VERDICTS } from '../jobs/ReviewVerdict.js';
import { PlanDefaults, PlanSettings, Priority, TaskOverrides } from './PlanFile.js';
import { TaskStatus } from './TaskStatus.js';

export const FailureClass = z.enum(['transient', 'permanent']);
export type FailureClass = z.infer<typeof FailureClass>;

export const RunRole = z.enum(['executor', 'reviewer']);
export type RunRole = z.infer<typeof RunRole>;

/** What the next executor run of a task must address (reviewer findings or a person's rework comment). */
export const Feedback = z.object({
  kind: z.enum(['review', 'rework']),
  text: z.string(),
  verdict: z.enum(REVIEW_VERDICTS).optional(),
  cycle: z.number().int().optional(),
});
export type Feedback = z.infer<typeof Feedback>;

export const Blocked = z.object({
  classification: FailureClass,
  /** The failed run's job errorKind, or `watchdog` / `cycle_cap`. */
  errorKind: z.string(),
  reason: z.string(),
  at: z.string(),
  jobId: z.string().optional(),
});
export type Blocked = z.infer<typeof Blocked>;

/** A task as stored: its definition (from the plan file) and its progress. */
export const TaskState = z.object({
  id: z.string(),
  index: z.number().int(),
  title: z.string(),
  prompt: z.string(),
  dependsOn: z.array(z.string()),
  priority: Priority,
  acceptance: z.array(z.string()),
  overrides: TaskOverrides,
  status: TaskStatus,
  statusSince: z.string(),
  /** `drover/<plan>/<task>`. */
  branch: z.string(),
  /** The ref the branch was last started from: the plan's base or a dependency's branch (stacked). */
  base: z.string().nullable(),
  commit: z.string().nullable(),
  prUrl: z.string().nullable(),
  verdict: z.enum(REVIEW_VERDICTS).nullable(),
  /** FAIL/INCOMPLETE verdicts since a person last acted (the cycle cap counts these). */
  reviewCycles: z.number().int(),
  /** Automatic retries of transient failures so far. */
  retries: z.number().int(),
  /** Reviewer runs in a row that ended without a verdict (the job failed). */
  stalls: z.number().int(),
  feedback: Feedback.nullable(),
  blocked: Blocked.nullable(),
  /** Why a ready task is not dispatched yet (its dependencies' branches cannot be stacked). */
  waiting: z.string().nullable(),
  costUsd: z.number(),
  runSeq: z.number().int(),
});
export type TaskState = z.infer<typeof TaskState>;

/** The ledger's run record: one per job the orchestrator dispatched (run id = job id). */
export const RunRecord = z.object({
  jobId: z.string(),
  task: z.string(),
  role: RunRole,
  /** 1, 2, … per task, in dispatch order. */
  seq: z.number().int(),
  /** `dispatching` until the job exists in the job store. */
  status: z.union([z.literal('dispatching'), z.enum(JOB_STATUSES)]),
  /** What the run addresses: a fresh start, reviewer findings, a rework comment, or a retry. */
  purpose: z.enum(['start', 'review', 'rework', 'retry']).optional(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  classification: FailureClass.nullable(),
  errorKind: z.string().nullable(),
  errorMessage: z.string().nullable(),
  verdict: z.enum(REVIEW_VERDICTS).nullable(),
  costUsd: z.number().nullable(),
  prUrl: z.string().nullable(),
  watchdogAt: z.string().nullable(),
  /** The job spec, kept only until the job is enqueued (so a new orchestrator can enqueue it). */
  spec: z.record(z.string(), z.unknown()).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** A run as dispatched: what it is, nothing known yet of its job. */
export function dispatchingRun(
  init: Pick<RunRecord, 'jobId' | 'task' | 'role' | 'seq'> & Partial<Pick<RunRecord, 'createdAt' | 'spec'>>,
): RunRecord {
  const { createdAt, spec, ...run } = init;
  return {
    ...run,
    status: 'dispatching',
    createdAt: createdAt ?? new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    classification: null,
    errorKind: null,
    errorMessage: null,
    verdict: null,
    costUsd: null,
    prUrl: null,
    watchdogAt: null,
    ...(spec ? { spec } : {}),
  };
}

/** Everything about a plan but its runs and events: one document, written with compare-and-set. */
export const PlanDoc = z.object({
  name: z.string(),
  repo: z.string(),
  baseRef: z.string().nullable(),
  defaults: PlanDefaults,
  settings: PlanSettings,
  paused: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The last event's seq. */
  eventSeq: z.number().int(),
  /** When every task reached done (plan.done); cleared when tasks are added. */
  completedAt: z.string().nullable(),
  tasks: z.array(TaskState),
});
export type PlanDoc = z.infer<typeof PlanDoc>;

/** A plan as read from the store: its document, the version it was read at, and its runs. */
export interface PlanState extends PlanDoc {
  version: number;
  runs: RunRecord[];
}

export const ACTIVE_RUN_STATUSES = ['dispatching', 'queued', 'running'] as const;

export function isActiveRun(run: RunRecord): boolean {
  return (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status);
}
