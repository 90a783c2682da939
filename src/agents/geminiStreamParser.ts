import { type AgentEvent, summarize } from './AgentEvent.js';
import type { AgentParser } from './types.js';

interface GeminiStats {
  /** Prompt tokens not served from the cache. */
  input?: number;
  input_tokens?: number;
  output_tokens?: number;
  cached?: number;
  models?: Record<string, unknown>;
}

interface GeminiLine {
  type?: string;
  session_id?: string;
  model?: string;
  role?: string;
  content?: string;
  delta?: boolean;
  tool_name?: string;
  tool_id?: string;
  parameters?: unknown;
  status?: string;
  output?: string;
  error?: { type?: string; message?: string };
  message?: string;
  severity?: string;
  stats?: GeminiStats;
}

/** The reason Gemini CLI gives when `model.maxSessionTurns` is reached (exit 53). */
export const GEMINI_TURN_LIMIT = 'FatalTurnLimitedError';

/**
 * Parses `gemini -o stream-json` lines: init, message (user / assistant deltas), tool_use,
 * tool_result, error, result. Assistant deltas are joined into one agent.text per reply (flushed
 * at the next tool call or the result) so the log does not get a line per token chunk.
 */
export class GeminiStreamParser implements AgentParser {
  private text = '';
  private lastText: string | undefined;
  private sessionId: string | undefined;

  parseLine(line: string): AgentEvent[] | null {
    if (!line.startsWith('{')) return null;
    let msg: GeminiLine;
    try {
      msg = JSON.parse(line) as GeminiLine;
    } catch {
      return null;
    }
    switch (msg.type) {
      case 'init':
        this.sessionId = msg.session_id;
        return [{ type: 'agent.init', ...opt('sessionId', msg.session_id), ...opt('model', msg.model) }];
      case 'message':
        if (msg.role !== 'assistant') return [];
        if (!msg.delta) return [...this.flush(), ...textEvent(msg.content, (t) => (this.lastText = t))];
        this.text += msg.content ?? '';
        return [];
      case 'tool_use':
        return [
          ...this.flush(),
          {
            type: 'agent.tool_call',
            name: msg.tool_name ?? 'tool',
            input: summarize(msg.parameters ?? ''),
            ...opt('id', msg.tool_id),
          },
        ];
      case 'tool_result': {
        const ok = msg.status === 'success';
        const summary = summarize(msg.output ?? msg.error?.message ?? msg.status ?? '');
        return [...this.flush(), { type: 'agent.tool_result', ok, summary, ...opt('id', msg.tool_id) }];
      }
      case 'error':
        return [
          ...this.flush(),
          {
            type: 'agent.error',
            message: summarize(msg.message ?? msg.error?.message ?? 'error', 1000),
            fatal: false,
          },
        ];
      case 'result':
        return [...this.flush(), ...this.result(msg)];
      default:
        return [];
    }
  }

  private flush(): AgentEvent[] {
    const text = this.text.trim();
    this.text = '';
    return textEvent(text, (t) => (this.lastText = t));
  }

  private result(msg: GeminiLine): AgentEvent[] {
    const stats = msg.stats ?? {};
    const models = Object.keys(stats.models ?? {});
    const events: AgentEvent[] = [
      {
        type: 'agent.usage',
        inputTokens: stats.input ?? Math.max(0, (stats.input_tokens ?? 0) - (stats.cached ?? 0)),
        outputTokens: stats.output_tokens ?? 0,
        cachedInputTokens: stats.cached ?? 0,
        ...opt('model', models.length === 1 ? models[0] : undefined),
      },
    ];
    const ok = msg.status === 'success';
    const message = ok ? this.lastText : (msg.error?.message ?? msg.status);
    events.push({
      type: 'agent.result',
      ok,
      ...opt('message', message ? summarize(message, 1000) : undefined),
      ...opt('sessionId', this.sessionId),
      ...opt('reason', ok ? undefined : (msg.error?.type ?? msg.status)),
    });
    return events;
  }
}

function textEvent(text: string | undefined, onText?: (t: string) => void): AgentEvent[] {
  if (!text) return [];
  onText?.(text);
  return [{ type: 'agent.text', text }];
}

function opt<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });
}
