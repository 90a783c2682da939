import { NoChangesError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { Phase } from '../pipeline/Phase.js';
import { deliveryState } from './deliveryStateOf.js';
import { reviewOnce, writeReviewReport } from './reviewOnce.js';

/**
 * Review-only jobs (`mode: review`): the reviewer (read-only sandbox) judges the job's branch against
 * its base and the verdict and findings are recorded on the job and in review-report.json. The job
 * succeeds whenever the reviewer answered (PASS, FAIL, or INCOMPLETE after a second verdict-less
 * answer); nothing is committed or pushed.
 */
export async function reviewOnly(ctx: JobContext): Promise<void> {
  if (!ctx.startSha || ctx.startSha === ctx.baseSha) {
    throw new NoChangesError(
      `Nothing to review: ${ctx.branch} has no commits beyond ${ctx.baseRef ?? 'the base'} (or does not exist on the remote).`,
    );
  }
  const review = await reviewOnce(ctx, 1, 1);
  deliveryState(ctx).reviews.push(review);
  ctx.output.system(`REVIEW_OUTCOME ${review.outcome}`, 'review.outcome', {
    outcome: review.outcome,
    cycle: 1,
    cycles: 1,
    attempts: review.attempts,
  });
  await writeReviewReport(ctx).catch((err) => ctx.logger.warn({ err }, 'could not write the review report'));
}

export const REVIEW_ONLY_PHASE: Phase = {
  name: 'review',
  title: (ctx) => `Reviewing ${ctx.branch} (${ctx.spec.reviewAgent ?? ctx.spec.agent}, read-only)`,
  run: reviewOnly,
};
