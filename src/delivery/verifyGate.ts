import { VerifyError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { VerifyRound } from './DeliveryState.js';
import { deliveryState, executorSession } from './deliveryStateOf.js';
import { enterPhase } from './enterPhase.js';
import { verifyFixPrompt } from './feedbackPrompts.js';
import { rerunExecutor } from './rerunExecutor.js';
import { runVerify } from './runVerify.js';
import { firstFailure } from './verifyReport.js';

export const DEFAULT_FIX_ROUNDS = 2;

/**
 * Verify, and while it fails and fix rounds remain, run the executor again with the failing command
 * and its output, then verify again. Returns true when the checks pass. Still failing: throws
 * VerifyError, or with --pr-on-failure holds it back (deferredError) so the branch is pushed and a
 * draft PR carries the report before the job ends failed/verify.
 */
export async function verifyGate(ctx: JobContext, after: VerifyRound['after']): Promise<boolean> {
  executorSession(ctx); // capture the executor's session before any reviewer runs
  const rounds = ctx.spec.fixRounds ?? DEFAULT_FIX_ROUNDS;
  let round = await runVerify(ctx, after);
  for (let fix = 1; !round.ok && fix <= rounds; fix++) {
    const failure = firstFailure(round)!;
    await enterPhase(
      ctx,
      'agent',
      `Fix round ${fix}/${rounds}: running agent (${ctx.spec.agent}) on the failure`,
    );
    await rerunExecutor(ctx, verifyFixPrompt(failure, fix, rounds));
    await enterPhase(ctx, 'verify', `Verifying again (after fix round ${fix}/${rounds})`);
    round = await runVerify(ctx, 'fix');
  }
  if (round.ok) return true;
  const failure = firstFailure(round)!;
  const how =
    failure.reason === 'spawn'
      ? 'could not start'
      : failure.reason === 'idle'
        ? 'stopped printing output and was stopped'
        : failure.exitCode === null
          ? `was killed by ${failure.signal}`
          : `exited with code ${failure.exitCode}`;
  const error = new VerifyError(
    `The verify command "${failure.command}" ${how}${rounds > 0 ? ` after ${rounds} fix round${rounds === 1 ? '' : 's'}` : ''}.`,
  );
  if (!ctx.spec.prOnFailure) throw error;
  deliveryState(ctx).deferredError = error;
  ctx.output.system(
    '--pr-on-failure: pushing the branch and opening a draft PR with the failure report; the job still ends failed/verify',
  );
  return false;
}

/** The 'verify' phase. */
export async function verifyPhase(ctx: JobContext): Promise<void> {
  await verifyGate(ctx, 'agent');
}
