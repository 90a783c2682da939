import { DroverError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { Phase } from '../pipeline/Phase.js';
import { deliveryState } from './deliveryStateOf.js';
import { checkPrTarget, prPhase, prPhaseWhen } from './prPhase.js';
import { reviewPhase } from './reviewLoop.js';
import { verifyCommands } from './verifyCommands.js';
import { verifyPhase } from './verifyGate.js';

/** Resolves the PR target before the clone and the agent, so a wrong setting costs nothing. */
export const PREFLIGHT_PHASE: Phase = {
  name: 'preflight',
  title: () => 'Checking pull request settings',
  run: checkPrTarget,
  when: (ctx) => ctx.spec.pr === true || ctx.spec.prOnFailure === true,
};

export const VERIFY_PHASE: Phase = {
  name: 'verify',
  title: (ctx) =>
    `Verifying (${verifyCommands(ctx).length} command${verifyCommands(ctx).length === 1 ? '' : 's'})`,
  run: verifyPhase,
  when: (ctx) => verifyCommands(ctx).length > 0,
};

export const REVIEW_PHASE: Phase = {
  name: 'review',
  title: (ctx) => `Review 1/${ctx.spec.reviewCycles ?? 3} (${ctx.spec.reviewAgent ?? ctx.spec.agent})`,
  run: reviewPhase,
  when: (ctx) => ctx.spec.review === true && !ctx.delivery?.deferredError,
};

export const PR_PHASE: Phase = {
  name: 'pr',
  title: () => 'Opening or updating the pull request',
  run: prPhase,
  when: prPhaseWhen,
};

/** Ends the job with the error held back for delivery (verify failure with --pr-on-failure, review cap). */
export function throwDeferred(ctx: JobContext): void {
  const deferred = ctx.delivery?.deferredError;
  if (deferred) throw deferred;
}

const FOLLOW_UP_KINDS = new Set(['no_changes', 'push_failed', 'delivery']);

/**
 * When delivering a held-back failure itself fails (nothing to commit, push refused, PR API error),
 * the original failure stays the job's outcome; the delivery problem is logged.
 */
export function preferDeferred(ctx: JobContext, err: unknown): unknown {
  const deferred = ctx.delivery ? deliveryState(ctx).deferredError : undefined;
  if (!deferred || deferred === err || !(err instanceof DroverError) || !FOLLOW_UP_KINDS.has(err.kind))
    return err;
  ctx.output.system(`${err.message} The job ends with the earlier failure.`);
  return deferred;
}
