import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { type AgentEvent, describeEvent } from '../agents/AgentEvent.js';
import { StopHookReport, stopHookReportFile } from '../agents/stopHook.js';
import type { AgentAdapter, AgentContext } from '../agents/types.js';
import { jobExtraEnv, withoutSecrets } from '../environments/jobEnvironment.js';
import { BudgetError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { jobSandbox } from '../sandbox/jobSandbox.js';
import { builtCliPath } from '../util/installRoot.js';
import { BudgetGuard } from './guards/BudgetGuard.js';
import { DEFAULT_PRICES, type TokenUsage } from './guards/prices.js';
import { type Tail, tailJsonlDir } from './guards/tailJsonlDir.js';
import { type WorkspaceWatch, watchWorkspace } from './guards/watchWorkspace.js';
import type { GatewayRun } from './modelGatewayRun.js';
import type { AgentRunOptions, AgentRunResult } from './runAgent.js';
import type { SupervisedProcess } from './superviseProcess.js';

export interface AgentGuards {
  /** Spread into runAgent's options. */
  options: Pick<AgentRunOptions, 'wrap' | 'onEvent' | 'onStart'>;
  /** After the run: final reads, and the turns and cost Drover counted when the agent reported none. */
  finish(result: AgentRunResult): Promise<void>;
}

/**
 * The guards every agent runs under, whatever it is: the job's sandbox (the reviewer read-only), the
 * environment's variables, what is left of the job's turn and cost budgets, workspace file changes
 * counted as activity by the idle watchdog, and Claude Code's Stop hook. Adjusts agentCtx before the
 * adapter prepares the invocation.
 *
 * Through the model gateway, budgets are enforced there, before each call, and the agent gets no
 * budget flags of its own (one count for every agent). Without it they are passed to the agent where it
 * has flags and enforced by Drover from the normalized events and live session usage (the fallback).
 */
export async function prepareAgentGuards(
  ctx: JobContext,
  adapter: AgentAdapter,
  agentCtx: AgentContext,
  gateway?: GatewayRun,
): Promise<AgentGuards> {
  const sandbox = await jobSandbox(ctx);
  const mode = sandbox.mode !== 'none' && agentCtx.role === 'reviewer' ? 'read-only' : sandbox.mode;
  agentCtx.sandbox = mode;
  agentCtx.env = withoutSecrets({ ...agentCtx.env, ...jobExtraEnv(ctx) }, ctx);
  applyRemainingBudget(ctx, agentCtx);
  if (gateway) {
    agentCtx.wires = gateway.wires;
    delete agentCtx.maxTurns;
    delete agentCtx.maxCostUsd;
  }
  // `node <dist>/cli/main.js hook`, when running from a build (the Stop hook runs the same Drover).
  const mainJs = builtCliPath();
  if (adapter.name === 'claude' && mainJs && existsSync(mainJs))
    agentCtx.hookCommand = [process.execPath, mainJs, 'hook'];

  // Codex reports a resumed thread's usage from its start: subtract what this job's earlier runs used.
  const counted = adapter.name === 'codex' ? usageBySession(ctx) : undefined;
  const baseline = agentCtx.resumeSessionId ? counted?.get(agentCtx.resumeSessionId) : undefined;
  const guard = new BudgetGuard({
    ...(baseline ? { baseline } : {}),
    ...(agentCtx.maxTurns !== undefined ? { maxTurns: agentCtx.maxTurns } : {}),
    ...(agentCtx.maxCostUsd !== undefined ? { maxCostUsd: agentCtx.maxCostUsd } : {}),
    prices: ctx.config.prices ?? DEFAULT_PRICES,
    ...(agentCtx.model ? { model: agentCtx.model } : {}),
    onUnpriced: (model) => {
      if (agentCtx.maxCostUsd === undefined) return;
      ctx.output.system(
        `No price known for model ${model}: its tokens do not count toward --max-cost-usd (add it to DROVER_PRICES_FILE)`,
        'budget',
      );
    },
  });
  const enforce = (proc: SupervisedProcess, err: BudgetError | undefined) => {
    if (!err) return;
    ctx.output.system(err.message, 'budget', {
      turns: guard.turns,
      ...(guard.costUsd !== undefined ? { costUsd: guard.costUsd } : {}),
    });
    proc.stop(err);
  };

  const pending: Promise<void>[] = [];
  const onStart = (proc: SupervisedProcess) => {
    let watch: WorkspaceWatch | undefined;
    let closed = false;
    const watching = watchWorkspace(agentCtx.workspace, () => proc.touch()).then(
      (w) => {
        if (closed) w.close();
        else watch = w;
      },
      (err) => ctx.logger.debug({ err }, 'workspace watch failed'),
    );
    const detach = gateway?.attach(proc);
    const tails: Tail[] = [tailJsonlDir(agentCtx.stateDir, (line) => onHookLine(ctx, line), hookFileOnly)];
    const live = agentCtx.maxCostUsd !== undefined ? adapter.liveUsage?.(agentCtx) : undefined;
    if (live) {
      const reader = live.createReader();
      tails.push(
        tailJsonlDir(
          live.dir,
          (line) => {
            const totals = reader.push(line);
            if (totals) enforce(proc, guard.observeTotals(totals));
          },
          { intervalMs: 250 },
        ),
      );
    }
    return () => {
      closed = true;
      detach?.();
      watch?.close();
      pending.push(watching);
      for (const tail of tails) pending.push(tail.stop());
    };
  };

  return {
    options: {
      wrap: (inv) => sandbox.wrap(gateway ? gateway.scrub(inv) : inv, mode),
      onEvent: (event: AgentEvent, proc) => enforce(proc, guard.observe(event)),
      onStart,
    },
    async finish(result) {
      await Promise.all(pending);
      if (gateway) {
        // The gateway's count is exact: the agent's own report (and Drover's estimate) give way to it.
        await gateway.finish(result);
        return;
      }
      if (counted && result.sessionId && guard.lastUsage) counted.set(result.sessionId, guard.lastUsage);
      if (result.turns === undefined && guard.turns > 0) result.turns = guard.turns;
      if (result.costUsd === undefined && guard.costUsd !== undefined) result.costUsd = guard.costUsd;
    },
  };
}

const sessions = new WeakMap<JobContext, Map<string, TokenUsage>>();
function usageBySession(ctx: JobContext): Map<string, TokenUsage> {
  const map = sessions.get(ctx) ?? new Map<string, TokenUsage>();
  sessions.set(ctx, map);
  return map;
}

/** Budgets are per job: a later run (fix round, review) gets what the earlier ones left. */
function applyRemainingBudget(ctx: JobContext, agentCtx: AgentContext): void {
  const { maxTurns, maxCostUsd, maxTokens } = ctx.spec;
  if (maxTokens !== undefined) {
    const used = (ctx.inputTokens ?? 0) + (ctx.cachedInputTokens ?? 0) + (ctx.outputTokens ?? 0);
    if (used >= maxTokens)
      throw new BudgetError(`The job used its ${maxTokens} tokens (--max-tokens) before this agent run.`);
  }
  if (maxTurns !== undefined) {
    const left = maxTurns - (ctx.turns ?? 0);
    if (left <= 0)
      throw new BudgetError(`The job used its ${maxTurns} turns (--max-turns) before this agent run.`);
    agentCtx.maxTurns = left;
  }
  if (maxCostUsd !== undefined) {
    const left = maxCostUsd - (ctx.costUsd ?? 0);
    if (left <= 0)
      throw new BudgetError(`The job spent its $${maxCostUsd} (--max-cost-usd) before this agent run.`);
    agentCtx.maxCostUsd = Math.round(left * 10_000) / 10_000;
  }
}

const hookFileOnly = {
  intervalMs: 500,
  maxDepth: 0,
  match: (path: string) => basename(path) === basename(stopHookReportFile('/')),
};

/** A line from `drover hook`: the agent declared itself done. */
function onHookLine(ctx: JobContext, line: string): void {
  let report: StopHookReport;
  try {
    report = StopHookReport.parse(JSON.parse(line));
  } catch {
    return;
  }
  const event: AgentEvent = {
    type: 'agent.done',
    ...(report.sessionId ? { sessionId: report.sessionId } : {}),
    ...(report.message ? { message: report.message } : {}),
  };
  void ctx.output.append({
    stream: 'agent',
    type: event.type,
    line: `${describeEvent(event)} (Stop hook)`,
    data: event,
  });
}
