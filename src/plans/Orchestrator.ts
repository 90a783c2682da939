import type { Logger } from 'pino';
import { parseDuration } from '../config/duration.js';
import { DroverError } from '../errors.js';
import { newJobId } from '../jobs/ids.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSource } from '../jobs/JobSource.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { isTerminal } from '../jobs/JobStatus.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { JobStore } from '../store/types.js';
import { classifyFailure } from './classifyFailure.js';
import { type Emit, mutatePlan } from './mutatePlan.js';
import {
  type FailureClass,
  isActiveRun,
  type PlanState,
  type RunRecord,
  type TaskState,
} from './PlanState.js';
import { activeRuns, byPriority, dependenciesDone, moveTask } from './planTasks.js';
import { executorSpec, reviewerSpec } from './runSpecs.js';
import { chooseBase } from './stacking.js';
import type { BranchInspector, PlanStore } from './types.js';

export interface OrchestratorDeps {
  plans: PlanStore;
  jobs: JobStore;
  resolveSpec: SpecResolver;
  inspector: BranchInspector;
  logger: Logger;
}

/** Done after the plan is saved: the job store hears only of what the saved plan already records. */
type Effect = { kind: 'enqueue'; run: RunRecord; plan: string } | { kind: 'cancel'; jobId: string };

/**
 * One pass of a plan's orchestrator (the caller holds the plan's lease): follows its runs' jobs,
 * applies their outcomes, the watchdog and the retry cooldown, then keeps the ready buffer filled and
 * dispatches runs within the executor and reviewer caps. Every decision is saved (compare-and-set)
 * before the job store hears of it: a run's job id is in the ledger before its job is enqueued, so a
 * new orchestrator after a crash enqueues that same id (ids are unique: at most once) instead of
 * dispatching the run again.
 */
export async function tickPlan(deps: OrchestratorDeps, name: string): Promise<void> {
  const { result: effects } = await mutatePlan(deps.plans, name, async (plan, emit) => {
    const fx: Effect[] = [];
    const now = Date.now();
    await followRuns(deps, plan, emit, fx, now);
    if (!plan.paused) {
      retryAfterCooldown(plan, emit, now);
      // Promoting refills the buffer, dispatching drains it: repeat while either makes progress.
      for (let round = 0; round <= plan.tasks.length; round++) {
        const promoted = promote(plan, emit);
        const started = await dispatch(deps, plan, emit, fx);
        if (promoted === 0 && started === 0) break;
      }
    }
    const finished = plan.tasks.every((t) => t.status === 'done') && !plan.runs.some(isActiveRun);
    if (finished && !plan.completedAt) {
      plan.completedAt = new Date(now).toISOString();
      emit({ type: 'plan.done', task: null, data: { tasks: plan.tasks.length, runs: plan.runs.length } });
    }
    return fx;
  });
  for (const effect of effects) await applyEffect(deps, effect);
}

async function applyEffect(deps: OrchestratorDeps, effect: Effect): Promise<void> {
  try {
    if (effect.kind === 'cancel') {
      await deps.jobs.requestCancel(effect.jobId);
      return;
    }
    const { run } = effect;
    const source: JobSource = { intake: 'plan', plan: effect.plan, task: run.task, role: run.role };
    await deps.jobs.enqueue(run.spec as JobSpec, { id: run.jobId, source });
    deps.logger.info(
      { plan: effect.plan, task: run.task, role: run.role, jobId: run.jobId },
      'run dispatched',
    );
  } catch (err) {
    // The id exists: an earlier pass enqueued it. Anything else is tried again on the next pass.
    if (effect.kind === 'enqueue' && (await deps.jobs.get(effect.run.jobId).catch(() => undefined))) return;
    deps.logger.warn({ err, effect: effect.kind }, 'plan effect failed; tried again on the next pass');
  }
}

/** Brings every active run up to date with its job, and applies the outcome of those that ended. */
async function followRuns(deps: OrchestratorDeps, plan: PlanState, emit: Emit, fx: Effect[], now: number) {
  const watchdogMs = parseDuration(plan.settings.watchdog);
  for (const run of plan.runs.filter(isActiveRun)) {
    const job = await deps.jobs.get(run.jobId);
    if (!job) {
      if (run.status === 'dispatching' && run.spec) fx.push({ kind: 'enqueue', run, plan: plan.name });
      else finishRun(plan, run, vanished(run), emit);
      continue;
    }
    delete run.spec;
    run.status = job.status;
    run.startedAt = job.startedAt;
    run.costUsd = job.costUsd;
    if (isTerminal(job.status)) {
      finishRun(plan, run, job, emit);
      continue;
    }
    if (run.watchdogAt) {
      fx.push({ kind: 'cancel', jobId: run.jobId }); // again, in case the last pass's request was lost
      continue;
    }
    const started = job.startedAt ? Date.parse(job.startedAt) : Number.NaN;
    if (job.status === 'running' && now - started > watchdogMs) {
      run.watchdogAt = new Date(now).toISOString();
      const task = plan.tasks.find((t) => t.id === run.task)!;
      emit({
        type: 'task.watchdog',
        task: task.id,
        data: {
          jobId: run.jobId,
          role: run.role,
          watchdog: plan.settings.watchdog,
          startedAt: job.startedAt,
        },
      });
      block(
        task,
        'transient',
        'watchdog',
        `The ${run.role} run ${run.jobId} ran longer than the watchdog (${plan.settings.watchdog}); it was cancelled.`,
        emit,
        run.jobId,
      );
      fx.push({ kind: 'cancel', jobId: run.jobId });
    }
  }
}

/** What the orchestrator reads of an ended job. */
type JobEnd = Pick<
  JobRecord,
  | 'status'
  | 'errorKind'
  | 'errorMessage'
  | 'finishedAt'
  | 'costUsd'
  | 'commit'
  | 'prUrl'
  | 'verdict'
  | 'findings'
>;

/** A run whose job record is gone (a flushed store): ends as an internal failure. */
function vanished(run: RunRecord): JobEnd {
  return {
    status: 'failed',
    errorKind: 'internal',
    errorMessage: `The job ${run.jobId} is missing from the job store.`,
    finishedAt: new Date().toISOString(),
    costUsd: run.costUsd,
    commit: null,
    prUrl: null,
    verdict: null,
    findings: null,
  };
}

function finishRun(plan: PlanState, run: RunRecord, job: JobEnd, emit: Emit): void {
  const task = plan.tasks.find((t) => t.id === run.task)!;
  run.status = job.status;
  run.finishedAt = job.finishedAt ?? new Date().toISOString();
  run.costUsd = job.costUsd;
  run.prUrl = job.prUrl;
  task.costUsd += job.costUsd ?? 0;
  const ended = { jobId: run.jobId, role: run.role, seq: run.seq, status: job.status };

  if (run.watchdogAt) {
    Object.assign(run, {
      classification: 'transient',
      errorKind: 'watchdog',
      errorMessage: job.errorMessage,
    });
    emit({
      type: 'run.finished',
      task: task.id,
      data: { ...ended, classification: 'transient', errorKind: 'watchdog' },
    });
    return;
  }
  if (job.status !== 'succeeded') {
    const kind = job.errorKind ?? 'internal';
    const cls = classifyFailure(kind);
    Object.assign(run, { classification: cls, errorKind: kind, errorMessage: job.errorMessage });
    emit({ type: 'run.finished', task: task.id, data: { ...ended, classification: cls, errorKind: kind } });
    const message = job.errorMessage ?? `The ${run.role} run ended ${job.status}.`;
    if (run.role === 'reviewer' && task.status === 'in_review') {
      task.stalls++;
      emit({
        type: 'review.stalled',
        task: task.id,
        data: { jobId: run.jobId, errorKind: kind, stalls: task.stalls },
      });
      // One more reviewer is dispatched after a first stall; a second one in a row blocks the task.
      if (task.stalls >= 2) block(task, cls, kind, message, emit, run.jobId);
    } else if (run.role === 'executor' && task.status === 'in_progress') {
      block(task, cls, kind, message, emit, run.jobId);
    }
    return;
  }

  if (run.role === 'executor') {
    task.commit = job.commit ?? task.commit;
    if (job.prUrl && job.prUrl !== task.prUrl) {
      const first = task.prUrl === null;
      task.prUrl = job.prUrl;
      if (first) emit({ type: 'pr.opened', task: task.id, data: { url: job.prUrl, jobId: run.jobId } });
    }
    if (task.status !== 'in_progress') {
      emit({ type: 'run.finished', task: task.id, data: ended });
      return;
    }
    task.feedback = null;
    task.stalls = 0;
    emit({
      type: 'run.finished',
      task: task.id,
      data: { ...ended, ...moveTask(task, 'in_review', 'orchestrator') },
    });
    return;
  }

  const verdict = job.verdict ?? 'INCOMPLETE';
  run.verdict = verdict;
  task.verdict = verdict;
  task.stalls = 0;
  emit({ type: 'run.finished', task: task.id, data: { ...ended, verdict } });
  if (task.status !== 'in_review') return;
  if (verdict === 'PASS') {
    emit({
      type: 'review.outcome',
      task: task.id,
      data: { jobId: run.jobId, verdict, ...moveTask(task, 'needs_human', 'orchestrator') },
    });
    return;
  }
  task.reviewCycles++;
  const cap = plan.settings.reviewCycles;
  const findings = job.findings ?? '';
  emit({
    type: 'review.outcome',
    task: task.id,
    data: { jobId: run.jobId, verdict, cycle: task.reviewCycles, cycles: cap, findings },
  });
  if (task.reviewCycles >= cap) {
    emit({ type: 'task.cycle_cap', task: task.id, data: { cycles: cap, jobId: run.jobId } });
    block(
      task,
      'permanent',
      'cycle_cap',
      `The reviewer did not pass the change after ${cap} review cycle${cap === 1 ? '' : 's'}.`,
      emit,
      run.jobId,
    );
    task.feedback = { kind: 'review', text: findings, verdict, cycle: task.reviewCycles };
    return;
  }
  task.feedback = { kind: 'review', text: findings, verdict, cycle: task.reviewCycles };
}

function block(
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

/** Transient failures go back to ready once the cooldown passed, at most maxRetries times per task. */
function retryAfterCooldown(plan: PlanState, emit: Emit, now: number): void {
  const cooldown = parseDuration(plan.settings.retryCooldown);
  for (const task of plan.tasks) {
    const b = task.blocked;
    if (task.status !== 'blocked' || !b || b.classification !== 'transient') continue;
    if (task.retries >= plan.settings.maxRetries || now < Date.parse(b.at) + cooldown) continue;
    if (activeRuns(plan, { task: task.id }).length > 0) continue; // the cancelled run is still ending
    task.retries++;
    task.blocked = null;
    task.stalls = 0;
    emit({
      type: 'task.retry',
      task: task.id,
      data: {
        ...moveTask(task, 'ready', 'orchestrator'),
        retry: task.retries,
        of: plan.settings.maxRetries,
        after: b.errorKind,
      },
    });
  }
}

/** Keeps `readyBuffer` tasks ready: backlog tasks whose dependencies are all done, by priority. */
function promote(plan: PlanState, emit: Emit): number {
  if (!plan.settings.autoPromote) return 0;
  let ready = plan.tasks.filter((t) => t.status === 'ready').length;
  let promoted = 0;
  for (const task of byPriority(plan.tasks)) {
    if (ready >= plan.settings.readyBuffer) break;
    if (task.status !== 'backlog' || !dependenciesDone(plan, task)) continue;
    emit({
      type: 'task.ready',
      task: task.id,
      data: { ...moveTask(task, 'ready', 'orchestrator'), by: 'orchestrator' },
    });
    ready++;
    promoted++;
  }
  return promoted;
}

/** Fix-ups first (they finish work in review), then reviews, then new work; never above the caps. */
async function dispatch(deps: OrchestratorDeps, plan: PlanState, emit: Emit, fx: Effect[]): Promise<number> {
  const { maxExecutors, maxReviewers } = plan.settings;
  const before = plan.runs.length;
  const idle = (t: TaskState) => activeRuns(plan, { task: t.id }).length === 0;
  const tasks = byPriority(plan.tasks);
  for (const task of tasks.filter((t) => t.status === 'in_review' && t.feedback && idle(t))) {
    if (activeRuns(plan, { role: 'executor' }).length >= maxExecutors) break;
    await startExecutor(deps, plan, task, emit, fx);
  }
  for (const task of tasks.filter((t) => t.status === 'in_review' && !t.feedback && idle(t))) {
    if (activeRuns(plan, { role: 'reviewer' }).length >= maxReviewers) break;
    startReviewer(deps, plan, task, emit, fx);
  }
  for (const task of tasks.filter((t) => t.status === 'ready' && idle(t))) {
    if (activeRuns(plan, { role: 'executor' }).length >= maxExecutors) break;
    await startExecutor(deps, plan, task, emit, fx);
  }
  return plan.runs.length - before;
}

async function startExecutor(
  deps: OrchestratorDeps,
  plan: PlanState,
  task: TaskState,
  emit: Emit,
  fx: Effect[],
) {
  let base: string | null;
  try {
    const choice = await chooseBase(plan, task, deps.inspector);
    if ('waiting' in choice) {
      task.waiting = choice.waiting;
      return;
    }
    base = choice.base;
  } catch (err) {
    task.waiting = `cannot tell whether its dependencies are merged yet: ${(err as Error).message}`;
    return;
  }
  task.waiting = null;
  const continuing = task.commit !== null && task.feedback === null;
  const purpose = task.feedback?.kind ?? (continuing ? 'retry' : 'start');
  let spec: JobSpec;
  try {
    spec = executorSpec(plan, task, { base, feedback: task.feedback, continuing }, deps.resolveSpec);
  } catch (err) {
    const message = err instanceof DroverError ? err.message : String(err);
    block(task, 'permanent', 'invalid_input', `The executor run's job spec is invalid: ${message}`, emit);
    return;
  }
  const run = newRun(plan, task, 'executor', spec);
  run.purpose = purpose;
  task.base = base;
  emit({
    type: 'task.assigned',
    task: task.id,
    data: {
      jobId: run.jobId,
      role: 'executor',
      purpose,
      base,
      ...moveTask(task, 'in_progress', 'orchestrator'),
    },
  });
  fx.push({ kind: 'enqueue', run, plan: plan.name });
}

function startReviewer(deps: OrchestratorDeps, plan: PlanState, task: TaskState, emit: Emit, fx: Effect[]) {
  let spec: JobSpec;
  try {
    spec = reviewerSpec(plan, task, deps.resolveSpec);
  } catch (err) {
    const message = err instanceof DroverError ? err.message : String(err);
    block(task, 'permanent', 'invalid_input', `The reviewer run's job spec is invalid: ${message}`, emit);
    return;
  }
  const run = newRun(plan, task, 'reviewer', spec);
  emit({
    type: 'task.assigned',
    task: task.id,
    data: { jobId: run.jobId, role: 'reviewer', base: task.base },
  });
  fx.push({ kind: 'enqueue', run, plan: plan.name });
}

function newRun(plan: PlanState, task: TaskState, role: RunRecord['role'], spec: JobSpec): RunRecord {
  task.runSeq++;
  const run: RunRecord = {
    jobId: newJobId(),
    task: task.id,
    role,
    seq: task.runSeq,
    status: 'dispatching',
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    classification: null,
    errorKind: null,
    errorMessage: null,
    verdict: null,
    costUsd: null,
    prUrl: null,
    watchdogAt: null,
    spec: spec as unknown as Record<string, unknown>,
  };
  plan.runs.push(run);
  return run;
}
