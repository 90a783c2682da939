import type { JobSource } from '../jobs/JobSource.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { dispatch, promote } from './dispatchRuns.js';
import { mutatePlan } from './mutatePlan.js';
import { isActiveRun } from './PlanState.js';
import { followRuns, retryAfterCooldown } from './runOutcomes.js';
import type { Effect, OrchestratorDeps } from './types.js';

export type { OrchestratorDeps } from './types.js';

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
