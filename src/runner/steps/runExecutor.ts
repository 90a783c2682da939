import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentAdapter } from '../../agents/registry.js';
import type { AgentContext, AgentRole } from '../../agents/types.js';
import { type JobContext, remainingMs } from '../../pipeline/JobContext.js';
import { agentBaseEnv } from '../agentEnv.js';
import { prepareAgentGuards } from '../agentGuards.js';
import { gatewayRun } from '../modelGatewayRun.js';
import { type AgentRunResult, runAgent } from '../runAgent.js';

/** Runs the job's agent (or the reviewer) once in the workspace and records what it used. */
export async function runAgentOnce(
  ctx: JobContext,
  opts: { role?: AgentRole; prompt?: string; resumeSessionId?: string } = {},
): Promise<AgentRunResult> {
  const ws = ctx.workspace!;
  const role = opts.role ?? 'executor';
  const name = role === 'reviewer' ? (ctx.spec.reviewAgent ?? ctx.spec.agent) : ctx.spec.agent;
  const adapter = agentAdapter(name);
  const agentCtx: AgentContext = {
    job: ctx.job,
    spec: ctx.spec,
    role,
    workspace: ws.repoDir,
    stateDir: ws.stateDir,
    prompt: opts.prompt ?? ctx.spec.prompt,
    env: agentBaseEnv(ctx.config.hostEnv, {
      homeDir: ws.homeDir,
      tmpDir: ws.tmpDir,
      extraKeys: ctx.config.agentEnvKeys,
    }),
    hostEnv: ctx.config.hostEnv,
    sandbox: ctx.spec.sandbox ?? 'none',
    ...(ctx.spec.model ? { model: ctx.spec.model } : {}),
    ...(ctx.spec.maxTurns !== undefined ? { maxTurns: ctx.spec.maxTurns } : {}),
    ...(ctx.spec.maxCostUsd !== undefined ? { maxCostUsd: ctx.spec.maxCostUsd } : {}),
    ...(opts.resumeSessionId ? { resumeSessionId: opts.resumeSessionId } : {}),
  };
  const gateway = await gatewayRun(ctx, adapter);
  const guards = await prepareAgentGuards(ctx, adapter, agentCtx, gateway);
  await mkdir(ctx.artifactsDir, { recursive: true });
  const transcript = adapter.structured
    ? createWriteStream(join(ctx.artifactsDir, 'transcript.jsonl'), { flags: 'a' })
    : undefined;
  try {
    const result = await runAgent(adapter, agentCtx, {
      output: ctx.output,
      timeoutMs: remainingMs(ctx),
      idleTimeoutMs: ctx.idleTimeoutMs,
      killGraceMs: ctx.config.killGraceMs,
      signal: ctx.signal,
      ...(transcript ? { transcript: (line: string) => void transcript.write(`${line}\n`) } : {}),
      ...guards.options,
    });
    await guards.finish(result);
    ctx.agentRuns.push(result);
    if (result.costUsd !== undefined) ctx.costUsd = (ctx.costUsd ?? 0) + result.costUsd;
    if (result.turns !== undefined) ctx.turns = (ctx.turns ?? 0) + result.turns;
    for (const field of ['inputTokens', 'cachedInputTokens', 'outputTokens'] as const) {
      const n = result[field];
      if (n !== undefined) ctx[field] = (ctx[field] ?? 0) + n;
    }
    // Spend the gateway did not see still counts against the budgets it enforces.
    if (!gateway && ctx.models) ctx.models.countExternal({ costUsd: result.costUsd, turns: result.turns });
    await ctx.store.update(ctx.job.id, {
      ...(ctx.costUsd !== undefined ? { costUsd: ctx.costUsd } : {}),
      ...(ctx.turns !== undefined ? { turns: ctx.turns } : {}),
      ...(ctx.inputTokens !== undefined ? { inputTokens: ctx.inputTokens } : {}),
      ...(ctx.cachedInputTokens !== undefined ? { cachedInputTokens: ctx.cachedInputTokens } : {}),
      ...(ctx.outputTokens !== undefined ? { outputTokens: ctx.outputTokens } : {}),
      ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}),
    });
    return result;
  } finally {
    await new Promise<void>((resolve) => (transcript ? transcript.end(resolve) : resolve()));
  }
}

/** The executor phase: one agent run; its failure ends the job. */
export async function runExecutor(ctx: JobContext): Promise<void> {
  const result = await runAgentOnce(ctx);
  if (result.error) throw result.error;
}
