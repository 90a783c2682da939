import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentCredentialStatus } from '../agents/credentials.js';
import type { AgentAdapter, AgentInvocation } from '../agents/types.js';
import { BudgetError, CancelledError, CredentialsError, DroverError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type {
  ModelCallRecord,
  ModelSession,
  ModelSessionEvent,
  ModelUsage,
  ModelWires,
} from '../pipeline/ModelAccess.js';
import type { AgentRunResult } from './runAgent.js';
import type { SupervisedProcess } from './superviseProcess.js';

export const MODEL_CALLS_ARTIFACT = 'model-calls.jsonl';
/** After a refused call the agent should stop by itself; past this it is stopped. */
const STOP_AFTER_REFUSAL_MS = 30_000;

/** One agent run through the model gateway. */
export interface GatewayRun {
  wires: ModelWires;
  /** Takes every real key out of the invocation (environment values), before the sandbox wraps it. */
  scrub(inv: AgentInvocation): AgentInvocation;
  /** The process runs: gateway activity counts for the idle watchdog; a refused call stops it. */
  attach(proc: SupervisedProcess): () => void;
  /** After the run: calls still in flight aborted, the run's usage and cost, a budget refusal as its error. */
  finish(result: AgentRunResult): Promise<void>;
}

/**
 * Decides whether this agent run goes through the model gateway (the runner has one, the job did not
 * turn it off, the agent's dialect can be served) and says so in the job log once per job; opens the
 * job's session at the gateway on first use.
 */
export async function gatewayRun(ctx: JobContext, adapter: AgentAdapter): Promise<GatewayRun | undefined> {
  const wanted = adapter.gatewayWires(ctx.config.hostEnv);
  if (ctx.spec.gateway === false) {
    noteOnce(
      ctx,
      'job-off',
      'Model gateway: off for this job (gateway: false): the agent holds the model API keys itself, and budgets are enforced from what it reports.',
    );
    return undefined;
  }
  if (!ctx.modelAccess) {
    noteOnce(
      ctx,
      'runner-off',
      `Model gateway: off on this runner${ctx.config.hostEnv.DROVER_GATEWAY === 'off' ? ' (DROVER_GATEWAY=off)' : ''}: the agent holds the model API keys itself, and budgets are enforced from what it reports.`,
    );
    return undefined;
  }
  if (!Array.isArray(wanted) && wanted !== 'all') {
    noteOnce(
      ctx,
      `unsupported-${adapter.name}`,
      `Model gateway: not used for ${adapter.name} (${wanted.unsupported}): it holds its credentials itself, and budgets are enforced from what it reports.`,
    );
    return undefined;
  }
  const session = await openSession(ctx);
  if (wanted !== 'all') {
    // Every call would be refused: say what to set now, instead of the agent's own puzzled words.
    const missing = wanted.filter((name) => !session.configured.includes(name));
    const status = agentCredentialStatus(adapter.name, ctx.config.hostEnv);
    if (missing.length > 0 && status) {
      throw new CredentialsError(
        `${status.label} has no model credentials on this runner (${missing.join(', ')}): ${status.hint}.`,
      );
    }
  }
  const names = wanted === 'all' ? session.configured : wanted;
  const wires: ModelWires = {};
  for (const name of names) if (session.wires[name]) wires[name] = session.wires[name];
  // A command agent on a runner with no model provider configured has nothing to call.
  if (names.length === 0) return undefined;
  const notes = names.flatMap((name) => session.notes[name] ?? []);
  noteOnce(
    ctx,
    `on-${names.join(',')}`,
    `Model gateway: on (${names.join(', ')}); the agent gets per-job endpoints and a token, never the API keys${
      notes.length ? ` (${notes.join('; ')})` : ''
    }`,
  );
  return runThrough(ctx, session, wires);
}

async function openSession(ctx: JobContext): Promise<ModelSession> {
  if (ctx.models) return ctx.models;
  const { maxCostUsd, maxTurns, maxTokens } = ctx.spec;
  const session = await ctx.modelAccess!.openJob(
    { id: ctx.job.id, ...(ctx.spec.userId ? { userId: ctx.spec.userId } : {}) },
    {
      ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      ...(maxTurns !== undefined ? { maxTurns } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    },
  );
  ctx.models = session;
  for (const secret of session.secrets) ctx.masker.add(secret);
  for (const wire of Object.values(session.wires)) ctx.masker.add(wire.token);
  const file = join(ctx.artifactsDir, MODEL_CALLS_ARTIFACT);
  let writes: Promise<unknown> = mkdir(ctx.artifactsDir, { recursive: true });
  pendingWrites.set(ctx, () => writes);
  session.subscribe((event) => {
    if (event.type === 'call') {
      const { requestBody: _req, responseBody: _res, ...data } = event.call;
      ctx.output.system(describeCall(event.call), 'model.call', { ...data });
      const line = `${ctx.masker.mask(JSON.stringify(event.call))}\n`;
      writes = writes
        .then(() => appendFile(file, line))
        .catch((err) => ctx.logger.warn({ err }, 'could not write model-calls.jsonl'));
    } else if (event.type === 'unpriced') {
      ctx.output.system(
        `No price known for model ${event.model}: its calls count nothing toward the cost (add it to DROVER_PRICES_FILE)`,
        'budget',
      );
    }
  });
  return session;
}

const pendingWrites = new WeakMap<JobContext, () => Promise<unknown>>();

/**
 * At the end of the job attempt: the session's token is refused from now on, a call still in flight is
 * aborted upstream, and every call is in model-calls.jsonl.
 */
export async function closeModelSession(ctx: JobContext): Promise<void> {
  if (!ctx.models) return;
  await ctx.models.close();
  await pendingWrites.get(ctx)?.();
}

function runThrough(ctx: JobContext, session: ModelSession, wires: ModelWires): GatewayRun {
  const before = session.usage();
  let refusal: BudgetError | undefined;
  let refusals = 0;
  return {
    wires,
    scrub(inv) {
      const env: Record<string, string> = {};
      const withheld: string[] = [];
      for (const [name, value] of Object.entries(inv.env)) {
        if (session.secrets.some((secret) => value.includes(secret))) withheld.push(name);
        else env[name] = value;
      }
      if (withheld.length > 0)
        ctx.output.system(
          `Model gateway: ${withheld.join(', ')} withheld from the agent (they hold an API key the gateway uses)`,
          'info',
        );
      // Calls to the gateway on loopback never go through an operator's proxy.
      for (const name of ['NO_PROXY', 'no_proxy']) {
        if (name === 'no_proxy' && env[name] === undefined) continue;
        const list = (env[name] ?? '').split(',').filter(Boolean);
        env[name] = [...new Set([...list, '127.0.0.1', 'localhost'])].join(',');
      }
      if (inv.args.some((arg) => session.secrets.some((secret) => arg.includes(secret))))
        throw new DroverError(
          'E_INTERNAL',
          'internal',
          'An API key would have reached the agent on its command line.',
        );
      return { ...inv, env };
    },
    attach(proc) {
      let timer: NodeJS.Timeout | undefined;
      const unsubscribe = session.subscribe((event: ModelSessionEvent) => {
        if (event.type === 'call.started' || event.type === 'call') proc.touch();
        if (event.type !== 'budget') return;
        refusals++;
        if (!refusal) {
          refusal = new BudgetError(event.message);
          ctx.output.system(event.message, 'budget', { limit: event.limit, ...usageData(session.usage()) });
          timer = setTimeout(() => proc.stop(refusal), STOP_AFTER_REFUSAL_MS);
          timer.unref();
        } else if (refusals === 2) {
          proc.stop(refusal); // it keeps calling: it will not stop by itself
        }
      });
      return () => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      };
    },
    async finish(result) {
      await session.abortInFlight();
      const after = session.usage();
      result.turns = after.calls - before.calls;
      result.costUsd = after.costUsd - before.costUsd;
      result.inputTokens = after.inputTokens - before.inputTokens;
      result.cachedInputTokens = after.cachedInputTokens - before.cachedInputTokens;
      result.outputTokens = after.outputTokens - before.outputTokens;
      const stopped = result.error instanceof CancelledError || result.error?.kind === 'timeout';
      if (refusal && !stopped && result.error?.kind !== 'interrupted') result.error = refusal;
    },
  };
}

function noteOnce(ctx: JobContext, key: string, line: string): void {
  const seen = notes.get(ctx) ?? new Set<string>();
  notes.set(ctx, seen);
  if (seen.has(key)) return;
  seen.add(key);
  ctx.output.system(line, 'info');
}
const notes = new WeakMap<JobContext, Set<string>>();

function usageData(usage: ModelUsage): Record<string, number> {
  return { turns: usage.calls, costUsd: usage.costUsd };
}

/** `model call 3: claude-sonnet-4-5 → 200, in 1200 (cached 0) out 80, $0.0048, 1.2s`. */
export function describeCall(call: ModelCallRecord): string {
  const head = `model call ${call.n}: ${call.model ?? call.wire} → ${call.status}`;
  if (call.refused) return `${head} refused (${call.refused})${call.error ? `: ${call.error}` : ''}`;
  const cost = call.costUsd === null ? 'no price' : `$${call.costUsd.toFixed(4)}`;
  const capped = call.cappedMaxTokens !== undefined ? `, output capped at ${call.cappedMaxTokens}` : '';
  const aborted = call.aborted ? ', aborted' : '';
  return `${head}, in ${call.inputTokens} (cached ${call.cachedInputTokens}) out ${call.outputTokens}, ${cost}, ${(call.latencyMs / 1000).toFixed(1)}s${capped}${aborted}`;
}
