import { type AgentEvent, summarize } from './AgentEvent.js';
import type { AgentParser } from './types.js';

interface ContentBlock {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

interface ClaudeLine {
  type?: string;
  subtype?: string;
  session_id?: string;
  model?: string;
  message?: {
    id?: string;
    content?: ContentBlock[] | string;
    usage?: Record<string, number>;
    model?: string;
  };
  is_error?: boolean;
  result?: string;
  errors?: unknown[];
  num_turns?: number;
  total_cost_usd?: number;
  terminal_reason?: string;
}

/** Parses Claude Code's `--output-format stream-json --verbose` lines. */
export class ClaudeStreamParser implements AgentParser {
  private readonly seenUsage = new Set<string>();

  parseLine(line: string): AgentEvent[] | null {
    if (!line.startsWith('{')) return null;
    let msg: ClaudeLine;
    try {
      msg = JSON.parse(line) as ClaudeLine;
    } catch {
      return null;
    }
    switch (msg.type) {
      case 'system':
        return msg.subtype === 'init'
          ? [{ type: 'agent.init', ...opt('sessionId', msg.session_id), ...opt('model', msg.model) }]
          : [];
      case 'assistant':
        return this.assistant(msg);
      case 'user':
        return toolResults(msg);
      case 'result':
        return [resultEvent(msg)];
      default:
        return [];
    }
  }

  private assistant(msg: ClaudeLine): AgentEvent[] {
    const events: AgentEvent[] = [];
    const content = Array.isArray(msg.message?.content) ? msg.message.content : [];
    for (const block of content) {
      if (block.type === 'text' && block.text) events.push({ type: 'agent.text', text: block.text });
      if (block.type === 'tool_use') {
        events.push({
          type: 'agent.tool_call',
          name: block.name ?? 'tool',
          input: summarize(block.input),
          ...opt('id', block.id),
        });
      }
    }
    // Claude Code repeats one API message's usage on every content-block line: count it once.
    const usage = msg.message?.usage;
    const key = msg.message?.id;
    if (usage && key && !this.seenUsage.has(key)) {
      this.seenUsage.add(key);
      events.push({
        type: 'agent.usage',
        inputTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
        outputTokens: usage.output_tokens ?? 0,
        cachedInputTokens: usage.cache_read_input_tokens ?? 0,
        ...opt('model', msg.message?.model),
      });
    }
    return events;
  }
}

function toolResults(msg: ClaudeLine): AgentEvent[] {
  const content = Array.isArray(msg.message?.content) ? msg.message.content : [];
  return content
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      type: 'agent.tool_result' as const,
      ok: b.is_error !== true,
      summary: summarize(b.content),
      ...opt('id', b.tool_use_id),
    }));
}

function resultEvent(msg: ClaudeLine): AgentEvent {
  // An API error can arrive as subtype "success" with is_error true: is_error is what counts.
  const ok = msg.is_error !== true;
  const errors = Array.isArray(msg.errors) && msg.errors.length > 0 ? summarize(msg.errors, 500) : undefined;
  const message = ok ? msg.result : (errors ?? msg.result ?? msg.subtype);
  return {
    type: 'agent.result',
    ok,
    ...opt('turns', msg.num_turns),
    ...opt('costUsd', msg.total_cost_usd),
    ...opt('message', message ? summarize(message, 1000) : undefined),
    ...opt('sessionId', msg.session_id),
    ...opt('reason', msg.terminal_reason ?? (ok ? undefined : msg.subtype)),
  };
}

function opt<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });
}
