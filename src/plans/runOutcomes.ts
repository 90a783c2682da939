import { parseDuration } from '../config/duration.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import { isTerminal } from '../jobs/JobStatus.js';
import { classifyFailure } from './classifyFailure.js';
import type { Emit } from './mutatePlan.js';
import { isActiveRun, type PlanState, type RunRecord } from './PlanState.js';
import { activeRuns, block, moveTask } from './planTasks.js';
import type { Effect, OrchestratorDeps } from './types.js';

/** Brings every active run up to date with its job, and applies the outcome of those that ended. */
export async function followRuns(
  deps: OrchestratorDeps,
  plan: PlanState,
  emit: Emit,
  fx: Effect[],
  now: number,
) {
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

/** Transient failures go back to ready once the cooldown passed, at most maxRetries times per task. */
export function retryAfterCooldown(plan: PlanState, emit: Emit, now: number): void {
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
