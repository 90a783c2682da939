import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobContext } from '../pipeline/JobContext.js';
import { runAgentOnce } from '../runner/steps/runExecutor.js';
import type { ReviewCycle } from './DeliveryState.js';
import { deliveryState } from './deliveryStateOf.js';
import { parseVerdict } from './parseVerdict.js';
import { reviewerAnswer } from './reviewerAnswer.js';
import { reviewPrompt } from './reviewPrompt.js';
import { restoreTree, stageAll, stagedDiff } from './workspaceTree.js';

export const REVIEW_REPORT = 'review-report.json';
/** Reviewer failures that still leave an answer to read (a script may exit 1 on FAIL). */
const ANSWERED_KINDS = new Set(['agent_exit', 'agent_error']);

/** One review: the reviewer runs on the diff against the base; an answer without a verdict is retried once. */
export async function reviewOnce(ctx: JobContext, cycle: number, cycles: number): Promise<ReviewCycle> {
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

/** review-report.json: every review so far (verdict, findings, attempts) and the last verdict. */
export async function writeReviewReport(ctx: JobContext): Promise<void> {
  const reviews = deliveryState(ctx).reviews;
  await mkdir(ctx.artifactsDir, { recursive: true });
  const report = { outcome: reviews.at(-1)?.outcome ?? null, reviews };
  await writeFile(
    join(ctx.artifactsDir, REVIEW_REPORT),
    `${ctx.masker.mask(JSON.stringify(report, null, 2))}\n`,
  );
}
