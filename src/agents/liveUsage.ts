/** Cumulative token usage of a running agent, read from the files it records its session in. */
export interface LiveUsageTotals {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  model?: string;
}

/** Reads an agent's session-record lines (JSONL) and answers the running totals when they change. */
export interface LiveUsageReader {
  push(line: string): LiveUsageTotals | undefined;
}

/** Where an agent records per-reply usage while it runs, for budgets that cannot wait for its end. */
export interface LiveUsageSource {
  /** Directory searched for *.jsonl session files. */
  dir: string;
  createReader(): LiveUsageReader;
}

function parse(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/**
 * Codex rollout files ($CODEX_HOME/sessions/…/rollout-*.jsonl): an `event_msg` `token_count` after
 * every model reply carries `info.total_token_usage` (cumulative; cached tokens inside input_tokens),
 * and `turn_context` names the model. `codex exec --json` itself reports usage only at the very end.
 */
export function codexRolloutReader(): LiveUsageReader {
  let model: string | undefined;
  return {
    push(line) {
      const msg = parse(line);
      if (!msg) return undefined;
      const payload = rec(msg.payload);
      if (msg.type === 'turn_context' && typeof payload.model === 'string') model = payload.model;
      if (msg.type !== 'event_msg' || payload.type !== 'token_count') return undefined;
      const total = rec(rec(payload.info).total_token_usage);
      if (Object.keys(total).length === 0) return undefined;
      const cached = num(total.cached_input_tokens);
      return {
        inputTokens: Math.max(0, num(total.input_tokens) - cached),
        outputTokens: num(total.output_tokens),
        cachedInputTokens: cached,
        ...(model ? { model } : {}),
      };
    },
  };
}

/**
 * Gemini CLI chat records ($HOME/.gemini/tmp/<project>/chats/session-*.jsonl): each `gemini` message
 * carries its reply's `tokens` {input, output, cached}; a message is rewritten (same id) as its tool
 * calls complete, so the latest line per id counts.
 */
export function geminiChatReader(): LiveUsageReader {
  const perMessage = new Map<string, { input: number; output: number; cached: number }>();
  let model: string | undefined;
  return {
    push(line) {
      const msg = parse(line);
      if (msg?.type !== 'gemini' || typeof msg.id !== 'string' || !msg.tokens) return undefined;
      const t = rec(msg.tokens);
      if (typeof msg.model === 'string') model = msg.model;
      const cached = num(t.cached);
      perMessage.set(msg.id, { input: Math.max(0, num(t.input) - cached), output: num(t.output), cached });
      const totals: LiveUsageTotals = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
      for (const m of perMessage.values()) {
        totals.inputTokens += m.input;
        totals.outputTokens += m.output;
        totals.cachedInputTokens += m.cached;
      }
      return model ? { ...totals, model } : totals;
    },
  };
}
