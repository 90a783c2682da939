import { type AgentEvent, describeEvent } from '../agents/AgentEvent.js';
import { agentInstallHint } from '../agents/agentCli.js';
import { budgetLimitOf } from '../agents/budgetReason.js';
import { authFailureMessage } from '../agents/credentials.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from '../agents/types.js';
import { formatDuration } from '../config/duration.js';
import {
  AgentExitError,
  AgentReportedError,
  AgentTimeoutError,
  BudgetError,
  CancelledError,
  CredentialsError,
  DroverError,
  IdleTimeoutError,
} from '../errors.js';
import type { JobOutput } from './JobOutput.js';
import { superviseLines } from './superviseLines.js';
import type { SupervisedProcess } from './superviseProcess.js';

export interface AgentRunOptions {
  output: JobOutput;
  timeoutMs: number;
  idleTimeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** Receives every raw stdout line of a structured agent (already masked): the transcript. */
  transcript?: (line: string) => void;
  /** Sees each normalized event; may stop the process (budgets) through the handle. */
  onEvent?: (event: AgentEvent, proc: SupervisedProcess) => void;
  /** Wraps the invocation (sandbox). */
  wrap?: (inv: AgentInvocation) => Promise<AgentInvocation> | AgentInvocation;
  /** Called once the process runs (e.g. to watch the workspace for activity). */
  onStart?: (proc: SupervisedProcess) => (() => void) | undefined;
}

export interface AgentRunResult {
  exitCode: number | null;
  durationMs: number;
  turns?: number;
  costUsd?: number;
  /** Tokens of the run's model calls (known through the model gateway). */
  inputTokens?: number;
  cachedInputTokens?: number;
  outputTokens?: number;
  sessionId?: string;
  /** The agent's final message (result text, or the last text it printed). */
  message?: string;
  events: number;
  /** Set when the run failed; the stats above are still what the agent used. */
  error?: DroverError;
}

/**
 * Runs one agent invocation under supervision, streaming its output (masked) into the job log and
 * turning how it ended into a result carrying a typed error (so cost and turns survive a failure).
 */
export async function runAgent(
  adapter: AgentAdapter,
  ctx: AgentContext,
  opts: AgentRunOptions,
): Promise<AgentRunResult> {
  const prepared = await adapter.prepare(ctx);
  let inv = prepared;
  for (const secret of inv.secrets) opts.output.masker.add(secret);
  if (opts.wrap) inv = await opts.wrap(inv);
  const parser = adapter.createParser();
  const result: AgentRunResult = { exitCode: null, durationMs: 0, events: 0 };
  let final: Extract<AgentEvent, { type: 'agent.result' }> | undefined;
  let lastText: string | undefined;
  let proc: SupervisedProcess | undefined;

  const { output } = opts;
  // The last lines outside the event protocol and the agent's own errors: they say why it failed.
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
  };
  const onStdoutLine = (line: string): Promise<void> | undefined => {
    if (parser) {
      opts.transcript?.(line);
      const events = parser.parseLine(line);
      if (events) {
        let wait: Promise<void> | undefined;
        for (const event of events) {
          result.events++;
          if (event.type === 'agent.result') final = event;
          if (event.type === 'agent.text') lastText = event.text;
          if (event.type === 'agent.init' && event.sessionId) result.sessionId = event.sessionId;
          if (event.type === 'agent.error') remember(event.message);
          wait = output.appendMasked({
            stream: 'agent',
            type: event.type,
            line: describeEvent(event),
            data: event,
          });
          if (proc) opts.onEvent?.(event, proc);
        }
        return wait;
      }
    }
    remember(line);
    return output.appendMasked({ stream: 'stdout', line });
  };
  const ended = await superviseLines(inv, {
    cwd: ctx.workspace,
    masker: output.masker,
    timeoutMs: opts.timeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    killGraceMs: opts.killGraceMs,
    signal: opts.signal,
    onStdoutLine,
    onStderrLine: (line) => {
      remember(line);
      return output.appendMasked({ stream: 'stderr', line });
    },
    onStart: (started) => {
      proc = started;
      return opts.onStart?.(started);
    },
  });

  result.exitCode = ended.exitCode;
  result.durationMs = ended.durationMs;
  if (final?.turns !== undefined) result.turns = final.turns;
  if (final?.costUsd !== undefined) result.costUsd = final.costUsd;
  if (final?.sessionId) result.sessionId = final.sessionId;
  const message = final?.message ?? lastText;
  if (message !== undefined) result.message = message;

  // Not found: by spawn itself, or by bubblewrap inside the sandbox.
  const notFound =
    (ended.spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ||
    (ended.exitCode !== 0 &&
      recent.some((l) => l.startsWith(`bwrap: execvp ${prepared.command}: No such file`)));
  if (notFound) {
    const hint = agentInstallHint(adapter.name);
    result.error = new AgentExitError(
      `The ${adapter.name} agent could not start: "${prepared.command}" was not found on PATH${hint ? `; ${hint}` : ''}.`,
      ended.exitCode,
    );
    return result;
  }
  if (ended.spawnError) {
    result.error = new AgentExitError(
      `The ${adapter.name} agent could not start: ${ended.spawnError.message}`,
      null,
    );
    return result;
  }
  switch (ended.reason) {
    case 'timeout':
      result.error = new AgentTimeoutError(
        `The agent ran longer than the ${formatDuration(opts.timeoutMs)} left of the job's timeout and was stopped.`,
      );
      return result;
    case 'idle':
      result.error = new IdleTimeoutError(
        `The agent showed no activity for ${formatDuration(opts.idleTimeoutMs)} and was stopped (idle timeout).`,
      );
      return result;
    case 'aborted':
      result.error = ended.abortReason instanceof DroverError ? ended.abortReason : new CancelledError();
      return result;
    case 'exit':
      break;
  }
  if (final && !final.ok) {
    // The agent stopped at its own --max-turns / budget: the same outcome as Drover stopping it.
    const limit = budgetLimitOf(final.reason);
    result.error = limit
      ? new BudgetError(
          `The agent stopped at its ${limit === 'turns' ? 'turn budget (--max-turns)' : 'cost budget (--max-cost-usd)'}: ${final.message ?? final.reason}`,
        )
      : (credentialsError(adapter, ctx, [final.message ?? '', ...recent]) ??
        new AgentReportedError(
          `The agent reported an error: ${final.message ?? final.reason ?? 'unknown error'}`,
        ));
    return result;
  }
  if (ended.exitCode !== 0) {
    const how =
      ended.exitCode === null ? `was killed by ${ended.signal}` : `exited with code ${ended.exitCode}`;
    result.error =
      credentialsError(adapter, ctx, recent) ??
      new AgentExitError(`The ${adapter.name} agent ${how}.`, ended.exitCode, ended.signal);
  }
  return result;
}

/** A failed run whose output says the agent could not authenticate: what to set, as the job's error. */
function credentialsError(
  adapter: AgentAdapter,
  ctx: AgentContext,
  lines: string[],
): CredentialsError | undefined {
  const message = authFailureMessage(adapter.name, lines.join('\n'), ctx.hostEnv);
  return message ? new CredentialsError(message) : undefined;
}
