/**
 * The runner's port to the model gateway (src/gateway implements it; the CLI commands that build a
 * Runner inject it). The engine only sees per-job wires, usage and call records: it never imports the
 * gateway.
 */

/** The API dialects the gateway serves; each agent CLI speaks one, the command agent any. */
export type ModelWireName = 'anthropic' | 'openai' | 'gemini';
export const MODEL_WIRES: readonly ModelWireName[] = ['anthropic', 'openai', 'gemini'];

/** Where an agent sends one dialect, and the per-job token it uses in place of the real key. */
export interface ModelWire {
  /** e.g. `http://127.0.0.1:41234/j/<session>/anthropic` (OpenAI's ends in `/v1`, as its SDKs expect). */
  baseUrl: string;
  token: string;
}

export type ModelWires = Partial<Record<ModelWireName, ModelWire>>;

/** Whole-job limits the gateway enforces before a call goes out. */
export interface ModelBudgets {
  maxCostUsd?: number;
  /** Model calls. */
  maxTurns?: number;
  /** Input (cached included) plus output tokens. */
  maxTokens?: number;
}

export interface ModelUsage {
  /** Model calls that were forwarded (token counts are free and not counted). */
  calls: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** One model call as the gateway saw it (a `model.call` output entry and a model-calls.jsonl line). */
export interface ModelCallRecord {
  /** 1-based, per job attempt. */
  n: number;
  wire: ModelWireName;
  /** Request path below the wire's base, without the query (`/v1/messages`). */
  path: string;
  model: string | null;
  stream: boolean;
  /** HTTP status answered to the agent (the upstream's, or the gateway's own refusal). */
  status: number;
  /** Set when the gateway refused the call itself: which limit, or why. */
  refused?: 'cost' | 'turns' | 'tokens' | 'no_key' | 'bad_request';
  /** The call did not complete: the agent went away, the job stopped, or the upstream failed. */
  aborted?: boolean;
  /** A billed call (token counting and model listings are free). */
  billed: boolean;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** null: the model has no known price. */
  costUsd: number | null;
  /** The request's output cap, when the gateway lowered it to what the budget can pay. */
  cappedMaxTokens?: number;
  startedAt: string;
  /** Until the first response byte. */
  firstByteMs: number | null;
  latencyMs: number;
  error?: string;
  /** Only with DROVER_RECORD_MODEL_BODIES=1 (masked before they are written). */
  requestBody?: string;
  responseBody?: string;
}

export type ModelSessionEvent =
  | { type: 'call.started'; wire: ModelWireName }
  | { type: 'call'; call: ModelCallRecord }
  /** A call refused for a budget: the message names the budget. */
  | { type: 'budget'; call: ModelCallRecord; limit: 'cost' | 'turns' | 'tokens'; message: string }
  /** Once per model the price table does not know: its calls count nothing toward the cost budget. */
  | { type: 'unpriced'; model: string };

/** One job attempt's capability at the gateway: valid from openJob until close. */
export interface ModelSession {
  readonly wires: ModelWires;
  /** Dialects with a key (or an operator-set endpoint) on this runner: what a `command` agent is given. */
  readonly configured: readonly ModelWireName[];
  /** The real credentials the gateway uses for this job: never to be handed to the agent. */
  readonly secrets: readonly string[];
  /** What the job log should say about a dialect (e.g. no key configured: its calls are refused). */
  readonly notes: Partial<Record<ModelWireName, string>>;
  usage(): ModelUsage;
  subscribe(listener: (event: ModelSessionEvent) => void): () => void;
  /** Spend the gateway did not see (an agent run with the gateway off), counted against the budgets. */
  countExternal(usage: { costUsd?: number; turns?: number; tokens?: number }): void;
  /** Aborts every call in flight upstream (the agent is gone) and waits until each is recorded. */
  abortInFlight(): Promise<void>;
  /** Ends the capability: its token is refused from now on; calls in flight are aborted. */
  close(): Promise<void>;
}

export interface ModelAccess {
  openJob(job: { id: string; userId?: string }, budgets: ModelBudgets): Promise<ModelSession>;
}
