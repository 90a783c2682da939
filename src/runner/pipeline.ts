import { captureDiff } from '../artifacts/captureDiff.js';
import {
  PR_PHASE,
  PREFLIGHT_PHASE,
  preferDeferred,
  REVIEW_PHASE,
  throwDeferred,
  VERIFY_PHASE,
} from '../delivery/deliveryPhases.js';
import { REVIEW_ONLY_PHASE } from '../delivery/reviewOnlyPhase.js';
import { AgentTimeoutError, DroverError } from '../errors.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { type JobContext, remainingMs } from '../pipeline/JobContext.js';
import type { Phase } from '../pipeline/Phase.js';
import { checkout } from './steps/checkout.js';
import { commitWork } from './steps/commitWork.js';
import { prepareWorkspace } from './steps/prepareWorkspace.js';
import { pushWork } from './steps/pushWork.js';
import { runExecutor } from './steps/runExecutor.js';
import { setupEnvironment } from './steps/setupEnvironment.js';

/** The phases of a job, in order. Later features (setup, verify, review, PR) slot in here. */
export const PHASES: Phase[] = [
  { name: 'preparing', title: () => 'Preparing workspace', run: prepareWorkspace },
  PREFLIGHT_PHASE,
  { name: 'cloning', title: (ctx) => `Cloning ${ctx.spec.repo}`, run: checkout },
  { name: 'setup', title: () => 'Setting up (sandbox, environment, playbook)', run: setupEnvironment },
  { name: 'agent', title: (ctx) => `Running agent (${ctx.spec.agent})`, run: runExecutor },
  VERIFY_PHASE,
  REVIEW_PHASE,
  { name: 'committing', title: () => 'Committing', run: commitWork },
  {
    name: 'pushing',
    title: (ctx) => `Pushing ${ctx.branch}`,
    run: pushWork,
    when: (ctx) => ctx.spec.push !== false && ctx.changed === true,
  },
  PR_PHASE,
];

/** A review-only job (`mode: review`): the branch is checked out and reviewed; nothing is committed or pushed. */
export const REVIEW_ONLY_PHASES: Phase[] = [
  ...PHASES.filter((p) => ['preparing', 'cloning', 'setup'].includes(p.name)),
  REVIEW_ONLY_PHASE,
];

export function phasesFor(spec: JobSpec): Phase[] {
  return spec.mode === 'review' ? REVIEW_ONLY_PHASES : PHASES;
}

/** Runs every phase; the workspace is removed on every path out (success, failure, abort). */
export async function runPipeline(ctx: JobContext, phases: Phase[] = phasesFor(ctx.spec)): Promise<void> {
  try {
    for (const phase of phases) {
      if (phase.when && !phase.when(ctx)) continue;
      throwIfStopped(ctx);
      ctx.output.phase(phase.name, phase.title(ctx));
      // Not waited for (a Redis round trip per phase): updates are written in order all the same, and
      // the final status write comes after them.
      ctx.store
        .update(ctx.job.id, { phase: phase.name })
        .catch((err) => ctx.logger.warn({ err, phase: phase.name }, 'could not record the phase'));
      ctx.logger.debug({ phase: phase.name }, 'phase');
      await phase.run(ctx);
    }
    throwDeferred(ctx);
  } catch (err) {
    throw preferDeferred(ctx, err);
  } finally {
    await captureDiff(ctx);
    if (ctx.workspace) {
      await ctx.workspace.remove().catch((err) => ctx.logger.warn({ err }, 'could not remove the workspace'));
    }
  }
}

function throwIfStopped(ctx: JobContext): void {
  if (ctx.signal.aborted) {
    throw ctx.signal.reason instanceof DroverError
      ? ctx.signal.reason
      : new DroverError('E_ABORTED', 'cancelled', 'Stopped.');
  }
  if (remainingMs(ctx) <= 0) throw new AgentTimeoutError('The job ran past its timeout.');
}
