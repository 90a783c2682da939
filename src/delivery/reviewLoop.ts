import { ReviewError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { deliveryState, executorSession } from './deliveryStateOf.js';
import { enterPhase } from './enterPhase.js';
import { reviewFixPrompt } from './feedbackPrompts.js';
import { rerunExecutor } from './rerunExecutor.js';
import { reviewOnce, writeReviewReport } from './reviewOnce.js';
import { verifyCommands } from './verifyCommands.js';
import { verifyGate } from './verifyGate.js';

export { REVIEW_REPORT } from './reviewOnce.js';
export const DEFAULT_REVIEW_CYCLES = 3;

/**
 * The executor/reviewer loop: the reviewer judges the diff against the base; FAIL sends its
 * findings to the executor, then verify and review run again, up to reviewCycles reviews. The cap,
 * or a reviewer that twice gives no verdict, ends the job needs_human after the branch is pushed
 * (and a draft PR opened with --pr).
 */
export async function reviewPhase(ctx: JobContext): Promise<void> {
  executorSession(ctx); // capture the executor's session before the reviewer runs
  const state = deliveryState(ctx);
  const cycles = ctx.spec.reviewCycles ?? DEFAULT_REVIEW_CYCLES;
  const reviewer = ctx.spec.reviewAgent ?? ctx.spec.agent;
  for (let cycle = 1; cycle <= cycles; cycle++) {
    if (cycle > 1) await enterPhase(ctx, 'review', `Review ${cycle}/${cycles} (${reviewer})`);
    const review = await reviewOnce(ctx, cycle, cycles);
    state.reviews.push(review);
    ctx.output.system(`REVIEW_OUTCOME ${review.outcome} (review ${cycle}/${cycles})`, 'review.outcome', {
      outcome: review.outcome,
      cycle,
      cycles,
      attempts: review.attempts,
    });
    await writeReviewReport(ctx).catch((err) =>
      ctx.logger.warn({ err }, 'could not write the review report'),
    );
    if (review.outcome === 'PASS') return;
    if (review.outcome === 'INCOMPLETE') {
      state.deferredError = new ReviewError(
        'The reviewer answered twice without a "REVIEW: PASS" or "REVIEW: FAIL" verdict line; a human needs to review.',
      );
      return;
    }
    if (cycle === cycles) {
      ctx.output.system(`REVIEW_CYCLE_CAP reached after ${cycles} reviews`, 'review.cap', { cycles });
      state.deferredError = new ReviewError(
        `The reviewer still asked for changes after ${cycles} review cycle${cycles === 1 ? '' : 's'}; a human needs to decide.`,
      );
      return;
    }
    await enterPhase(ctx, 'agent', `Addressing review ${cycle}/${cycles}: running agent (${ctx.spec.agent})`);
    await rerunExecutor(ctx, reviewFixPrompt(review.findings, cycle, cycles));
    if (verifyCommands(ctx).length > 0) {
      await enterPhase(ctx, 'verify', `Verifying the review fixes (review ${cycle}/${cycles})`);
      if (!(await verifyGate(ctx, 'review'))) return; // held back for a draft PR (--pr-on-failure)
    }
  }
}
