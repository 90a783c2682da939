import type { AgentInvocation } from '../agents/types.js';
import type { JobOutput } from './JobOutput.js';
import { superviseLines } from './superviseLines.js';
import type { EndReason } from './superviseProcess.js';

export interface CommandRunOptions {
  /** A shell command line, run as `/bin/sh -c <command>`. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  output: JobOutput;
  timeoutMs: number;
  idleTimeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** Wraps the invocation (the sandbox plugs in here). */
  wrap?: (inv: AgentInvocation) => Promise<AgentInvocation> | AgentInvocation;
  /** How many of the last output lines to keep for reports and fix prompts (default 80). */
  tailLines?: number;
}

export interface CommandRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: EndReason;
  abortReason?: unknown;
  durationMs: number;
  /** The last lines of stdout and stderr, interleaved as they came, already masked. */
  tail: string;
  spawnError?: Error;
}

/**
 * Runs one shell command (verify gate, setup steps) under the same supervision as agents:
 * own process group, timeout, idle watchdog, cancel; stdout/stderr masked into the job log.
 */
export async function runCommand(opts: CommandRunOptions): Promise<CommandRunResult> {
  let inv: AgentInvocation = {
    command: '/bin/sh',
    args: ['-c', opts.command],
    env: opts.env,
    stdin: null,
    secrets: [],
  };
  if (opts.wrap) inv = await opts.wrap(inv);
  const keep = opts.tailLines ?? 80;
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > keep) tail.shift();
  };
  const { output } = opts;
  const ended = await superviseLines(inv, {
    cwd: opts.cwd,
    masker: output.masker,
    timeoutMs: opts.timeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    killGraceMs: opts.killGraceMs,
    signal: opts.signal,
    onStdoutLine: (line) => {
      remember(line);
      return output.appendMasked({ stream: 'stdout', line });
    },
    onStderrLine: (line) => {
      remember(line);
      return output.appendMasked({ stream: 'stderr', line });
    },
  });
  return {
    exitCode: ended.exitCode,
    signal: ended.signal,
    reason: ended.reason,
    ...(ended.abortReason !== undefined ? { abortReason: ended.abortReason } : {}),
    durationMs: ended.durationMs,
    tail: tail.join('\n'),
    ...(ended.spawnError ? { spawnError: ended.spawnError } : {}),
  };
}
