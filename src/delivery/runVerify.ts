import { formatDuration } from '../config/duration.js';
import { jobCommandEnv } from '../environments/jobEnvironment.js';
import { AgentTimeoutError, CancelledError, DroverError } from '../errors.js';
import { type JobContext, remainingMs } from '../runner/JobContext.js';
import { runCommand } from '../runner/runCommand.js';
import { deliveryState, type VerifyCommandResult, type VerifyRound } from './DeliveryState.js';
import { verifyCommands } from './verifyCommands.js';
import { writeVerifyReports } from './verifyReport.js';

/**
 * Runs the verify commands once, in order, in the workspace; stops at the first failure (later
 * commands usually depend on earlier ones, and the fix prompt needs only the first failure).
 * Timeout and cancel end the job; a failing or idle command is a failed round.
 */
export async function runVerify(ctx: JobContext, after: VerifyRound['after']): Promise<VerifyRound> {
  const ws = ctx.workspace!;
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
  // Same environment rules and sandbox as setup commands (issue 5): allow-listed env, workspace writable.
  const env = jobCommandEnv(ctx);
  const wrap = ctx.wrapCommand;
  for (const [i, command] of commands.entries()) {
    ctx.output.system(`$ ${command}`, 'verify.command', { command, index: i, round: round.round });
    const ran = await runCommand({
      command,
      cwd: ws.repoDir,
      env,
      output: ctx.output,
      timeoutMs: remainingMs(ctx),
      idleTimeoutMs: ctx.idleTimeoutMs,
      killGraceMs: ctx.config.killGraceMs,
      signal: ctx.signal,
      ...(wrap ? { wrap } : {}),
    });
    if (ran.reason === 'aborted') {
      throw ran.abortReason instanceof DroverError ? ran.abortReason : new CancelledError();
    }
    if (ran.reason === 'timeout') {
      throw new AgentTimeoutError(`The verify command "${command}" was still running at the job's timeout.`);
    }
    const result: VerifyCommandResult = {
      command,
      ok: !ran.spawnError && ran.reason === 'exit' && ran.exitCode === 0,
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
