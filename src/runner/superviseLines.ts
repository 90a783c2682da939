import type { AgentInvocation } from '../agents/types.js';
import type { Masker } from '../secrets/Masker.js';
import { type LineHandler, lineSink } from './lineSink.js';
import { type ProcessResult, type SupervisedProcess, superviseProcess } from './superviseProcess.js';

export interface SuperviseLinesOptions {
  cwd: string;
  /** Masks both streams before they are split into lines. */
  masker: Masker;
  timeoutMs: number;
  idleTimeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  onStdoutLine: LineHandler;
  onStderrLine: LineHandler;
  /** Called once the process runs; what it returns is called when the process has ended. */
  onStart?: (proc: SupervisedProcess) => (() => void) | undefined;
}

/**
 * Runs an invocation under supervision (agents and shell commands alike) with its stdout and stderr
 * delivered as masked lines, and resolves once the process ended and every line was handled.
 */
export async function superviseLines(
  inv: AgentInvocation,
  opts: SuperviseLinesOptions,
): Promise<ProcessResult> {
  const stdout = lineSink(opts.masker, opts.onStdoutLine);
  const stderr = lineSink(opts.masker, opts.onStderrLine);
  const proc = superviseProcess({
    command: inv.command,
    args: inv.args,
    cwd: opts.cwd,
    env: inv.env,
    stdin: inv.stdin,
    timeoutMs: Math.max(1, opts.timeoutMs),
    idleTimeoutMs: opts.idleTimeoutMs,
    killGraceMs: opts.killGraceMs,
    signal: opts.signal,
    onStdout: stdout.write,
    onStderr: stderr.write,
  });
  const stopWatching = opts.onStart?.(proc);
  const ended = await proc.result;
  if (typeof stopWatching === 'function') stopWatching();
  await stdout.end();
  await stderr.end();
  return ended;
}
