import { formatDuration } from '../config/duration.js';
import { jobCommandEnv } from '../environments/jobEnvironment.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { runJobCommand } from '../runner/runJobCommand.js';
import type { VerifyCommandResult, VerifyRound } from './DeliveryState.js';
import { deliveryState } from './deliveryStateOf.js';
import { verifyCommands } from './verifyCommands.js';
import { writeVerifyReports } from './verifyReport.js';

/**
 * Runs the verify commands once, in order, in the workspace; stops at the first failure (later
 * commands usually depend on earlier ones, and the fix prompt needs only the first failure).
 * Timeout and cancel end the job; a failing or idle command is a failed round.
 */
export async function runVerify(ctx: JobContext, after: VerifyRound['after']): Promise<VerifyRound> {
  const state = deliveryState(ctx);
  const round: VerifyRound = {
    round: state.verifyRounds.length + 1,
    after,
    ok: true,
    startedAt: new Date().toISOString(),
    results: [],
  };
  state.verifyRounds.push(round);
  const commands = verifyCommands(ctx);
  // Same environment rules and sandbox as setup commands: allow-listed env, workspace writable.
  const env = jobCommandEnv(ctx);
  for (const [i, command] of commands.entries()) {
    ctx.output.system(`$ ${command}`, 'verify.command', { command, index: i, round: round.round });
    const ran = await runJobCommand(ctx, command, { env, what: 'verify command' });
    const result: VerifyCommandResult = {
      command,
      ok: ran.ok,
      exitCode: ran.exitCode,
      signal: ran.signal,
      reason: ran.spawnError ? 'spawn' : ran.reason === 'idle' ? 'idle' : 'exit',
      durationMs: ran.durationMs,
      tail: ran.spawnError ? `could not start: ${ran.spawnError.message}` : ran.tail,
    };
    round.results.push(result);
    ctx.output.system(describeResult(result, ctx.idleTimeoutMs), 'verify.result', {
      command,
      ok: result.ok,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      round: round.round,
    });
    if (!result.ok) {
      round.ok = false;
      const skipped = commands.length - i - 1;
      if (skipped > 0) ctx.output.system(`Skipped the ${skipped} remaining verify command(s)`);
      break;
    }
  }
  await writeVerifyReports(ctx).catch((err) => ctx.logger.warn({ err }, 'could not write the verify report'));
  return round;
}

export function describeResult(r: VerifyCommandResult, idleTimeoutMs: number): string {
  const took = formatDuration(r.durationMs);
  if (r.ok) return `✓ ${r.command} passed (exit 0, ${took})`;
  if (r.reason === 'spawn') return `✗ ${r.command} could not start`;
  if (r.reason === 'idle')
    return `✗ ${r.command} showed no output for ${formatDuration(idleTimeoutMs)} and was stopped`;
  return `✗ ${r.command} failed (${r.exitCode === null ? `killed by ${r.signal}` : `exit ${r.exitCode}`}, ${took})`;
}
