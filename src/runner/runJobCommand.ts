import { AgentTimeoutError, CancelledError, DroverError } from '../errors.js';
import { type JobContext, remainingMs } from '../pipeline/JobContext.js';
import { type CommandRunResult, runCommand } from './runCommand.js';

export interface JobCommandResult extends CommandRunResult {
  /** It started and exited 0 (not stopped by the idle watchdog). */
  ok: boolean;
}

/**
 * Runs one of the job's own shell commands (a setup step, a verify command) in its repo, under its
 * sandbox, with what is left of its timeout. Cancel and the job's timeout end the job, so they throw;
 * a failure, an idle stop or a command that could not start is the caller's to report.
 */
export async function runJobCommand(
  ctx: JobContext,
  command: string,
  opts: {
    env: Record<string, string>;
    /** Names the command in the timeout error ("verify command", "setup step"). */
    what: string;
    tailLines?: number;
  },
): Promise<JobCommandResult> {
  const ran = await runCommand({
    command,
    cwd: ctx.workspace!.repoDir,
    env: opts.env,
    output: ctx.output,
    timeoutMs: remainingMs(ctx),
    idleTimeoutMs: ctx.idleTimeoutMs,
    killGraceMs: ctx.config.killGraceMs,
    signal: ctx.signal,
    ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
    ...(ctx.wrapCommand ? { wrap: ctx.wrapCommand } : {}),
  });
  if (ran.reason === 'aborted') {
    throw ran.abortReason instanceof DroverError ? ran.abortReason : new CancelledError();
  }
  if (ran.reason === 'timeout') {
    throw new AgentTimeoutError(`The ${opts.what} "${command}" was still running at the job's timeout.`);
  }
  return { ...ran, ok: !ran.spawnError && ran.reason === 'exit' && ran.exitCode === 0 };
}
