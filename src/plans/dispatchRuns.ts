import { DroverError } from '../errors.js';
import { newJobId } from '../jobs/ids.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { Emit } from './mutatePlan.js';
import { dispatchingRun, type PlanState, type RunRecord, type TaskState } from './PlanState.js';
import { activeRuns, block, byPriority, dependenciesDone, moveTask } from './planTasks.js';
import { executorSpec, reviewerSpec } from './runSpecs.js';
import { chooseBase } from './stacking.js';
import type { Effect, OrchestratorDeps } from './types.js';

/** Keeps `readyBuffer` tasks ready: backlog tasks whose dependencies are all done, by priority. */
export function promote(plan: PlanState, emit: Emit): number {
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
export async function dispatch(
  deps: OrchestratorDeps,
  plan: PlanState,
  emit: Emit,
  fx: Effect[],
): Promise<number> {
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
  const run = dispatchingRun({
    jobId: newJobId(),
    task: task.id,
    role,
    seq: task.runSeq,
    spec: spec as unknown as Record<string, unknown>,
  });
  plan.runs.push(run);
  return run;
}
