/**
 * The one event schema every agent's output is normalized into (stored as `agent` output entries,
 * `type` = the event type, `data` = the event). Raw agent lines go to the transcript artifact.
 */
export type AgentEvent =
  | { type: 'agent.init'; sessionId?: string; model?: string }
  | { type: 'agent.text'; text: string }
  | { type: 'agent.tool_call'; id?: string; name: string; input: string }
  | { type: 'agent.tool_result'; id?: string; ok: boolean; summary: string }
  | {
      type: 'agent.usage';
      /** Prompt tokens not read from the cache (cache writes included). */
      inputTokens: number;
      outputTokens: number;
      cachedInputTokens?: number;
      /** Cumulative cost so far when the agent reports it. */
      costUsd?: number;
      model?: string;
    }
  | {
      type: 'agent.result';
      ok: boolean;
      turns?: number;
      costUsd?: number;
      message?: string;
      sessionId?: string;
      /** Why the agent stopped, as it says (max_turns, budget_exhausted...). */
      reason?: string;
    }
  | { type: 'agent.error'; message: string; fatal: boolean }
  /** The agent declared itself done (Claude Code's Stop hook, reported by `drover hook`). */
  | { type: 'agent.done'; sessionId?: string; message?: string };

/** One short human line for the log view. */
export function describeEvent(event: AgentEvent): string {
  switch (event.type) {
    case 'agent.init':
      return `session ${event.sessionId ?? '?'}${event.model ? ` (${event.model})` : ''}`;
    case 'agent.text':
      return event.text;
    case 'agent.tool_call':
      return `→ ${event.name} ${event.input}`;
    case 'agent.tool_result':
      return `${event.ok ? '✓' : '✗'} ${event.summary}`;
    case 'agent.usage':
      return `tokens in ${event.inputTokens} out ${event.outputTokens}${event.costUsd !== undefined ? ` ($${event.costUsd.toFixed(4)})` : ''}`;
    case 'agent.result':
      return `${event.ok ? 'done' : 'failed'}${event.turns !== undefined ? ` after ${event.turns} turns` : ''}${
        event.costUsd !== undefined ? `, $${event.costUsd.toFixed(4)}` : ''
      }${event.message ? `: ${event.message}` : ''}`;
    case 'agent.error':
      return `${event.fatal ? 'error' : 'warning'}: ${event.message}`;
    case 'agent.done':
      return `agent declared itself done${event.message ? `: ${event.message}` : ''}`;
  }
}

/** Shortens a value for a one-line summary. */
export function summarize(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
