import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviewError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { runAgentOnce } from '../runner/steps/runExecutor.js';
import type { ReviewCycle } from './DeliveryState.js';
import { deliveryState, executorSession } from './deliveryStateOf.js';
import { enterPhase } from './enterPhase.js';
import { reviewFixPrompt } from './feedbackPrompts.js';
import { parseVerdict } from './parseVerdict.js';
import { rerunExecutor } from './rerunExecutor.js';
import { reviewerAnswer } from './reviewerAnswer.js';
import { reviewPrompt } from './reviewPrompt.js';
import { verifyCommands } from './verifyCommands.js';
import { verifyGate } from './verifyGate.js';
import { restoreTree, stageAll, stagedDiff } from './workspaceTree.js';

export const DEFAULT_REVIEW_CYCLES = 3;
export const REVIEW_REPORT = 'review-report.json';
/** Reviewer failures that still leave an answer to read (a script may exit 1 on FAIL). */
const ANSWERED_KINDS = new Set(['agent_exit', 'agent_error']);

/**
 * Seed 003's executor/reviewer loop: the reviewer judges the diff against the base; FAIL sends its
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

/** One review: the reviewer runs on the diff; an answer without a verdict is retried once. */
async function reviewOnce(ctx: JobContext, cycle: number, cycles: number): Promise<ReviewCycle> {
  const tree = await stageAll(ctx);
  const base = ctx.baseSha!;
  const diff = await stagedDiff(ctx, base, tree);
  let verdict = parseVerdict('');
  let attempts = 0;
  for (let attempt = 1; attempt <= 2 && verdict.outcome === 'INCOMPLETE'; attempt++) {
    attempts = attempt;
    if (attempt > 1)
      ctx.output.system('REVIEW_OUTCOME INCOMPLETE: no verdict line; asking the reviewer again');
    const from = ctx.output.lastSeq;
    const result = await runAgentOnce(ctx, {
      role: 'reviewer',
      prompt: reviewPrompt({
        task: ctx.spec.prompt,
        diff,
        baseRef: ctx.baseRef ?? 'the base',
        baseSha: base,
        cycle,
        cycles,
        retry: attempt > 1,
      }),
    });
    // The reviewer only reads: anything it changed in the workspace is put back.
    if (await restoreTree(ctx, tree))
      ctx.output.system('The reviewer changed files; its changes were discarded');
    if (result.error && !ANSWERED_KINDS.has(result.error.kind)) throw result.error;
    verdict = parseVerdict(await reviewerAnswer(ctx, from, result));
  }
  return { cycle, outcome: verdict.outcome, findings: ctx.masker.mask(verdict.findings), attempts };
}

async function writeReviewReport(ctx: JobContext): Promise<void> {
  const reviews = deliveryState(ctx).reviews;
  await mkdir(ctx.artifactsDir, { recursive: true });
  const report = { outcome: reviews.at(-1)?.outcome ?? null, reviews };
  await writeFile(
    join(ctx.artifactsDir, REVIEW_REPORT),
    `${ctx.masker.mask(JSON.stringify(report, null, 2))}\n`,
  );
}
