import { type AgentEvent, summarize } from './AgentEvent.js';
import type { AgentParser } from './types.js';

interface CodexItem {
  id?: string;
  type?: string;
  text?: string;
  command?: string;
  aggregated_output?: string;
  exit_code?: number | null;
  status?: string;
  changes?: { path?: string; kind?: string }[];
  server?: string;
  tool?: string;
  arguments?: unknown;
  result?: unknown;
  error?: { message?: string } | string | null;
  query?: string;
  message?: string;
}

interface CodexLine {
  type?: string;
  thread_id?: string;
  item?: CodexItem;
  usage?: {
    input_tokens?: number;
    cached_input_tokens?: number;
    output_tokens?: number;
    reasoning_output_tokens?: number;
  };
  error?: { message?: string };
  message?: string;
}

/**
 * Parses `codex exec --json` JSONL: thread.started, turn.started, item.started/updated/completed
 * (agent_message, reasoning, command_execution, file_change, mcp_tool_call, web_search, todo_list,
 * error), turn.completed (usage for the whole exec) and turn.failed. An `error` item is non-fatal;
 * a turn.failed is the run's failure.
 */
export class CodexJsonParser implements AgentParser {
  /** Tool items already announced by item.started, so item.completed does not repeat the call. */
  private readonly started = new Set<string>();
  private lastMessage: string | undefined;
  private sessionId: string | undefined;

  parseLine(line: string): AgentEvent[] | null {
    if (!line.startsWith('{')) return null;
    let msg: CodexLine;
    try {
      msg = JSON.parse(line) as CodexLine;
    } catch {
      return null;
    }
    switch (msg.type) {
      case 'thread.started':
        this.sessionId = msg.thread_id;
        return [{ type: 'agent.init', ...opt('sessionId', msg.thread_id) }];
      case 'item.started':
        return msg.item ? this.itemStarted(msg.item) : [];
      case 'item.completed':
        return msg.item ? this.itemCompleted(msg.item) : [];
      case 'turn.completed':
        return this.turnCompleted(msg);
      case 'turn.failed':
        return [
          {
            type: 'agent.result',
            ok: false,
            message: summarize(msg.error?.message ?? 'the turn failed', 1000),
            reason: 'turn_failed',
            ...opt('sessionId', this.sessionId),
          },
        ];
      case 'error':
        // Reconnect notices and the error before a turn.failed: the turn's outcome decides.
        return [{ type: 'agent.error', message: summarize(msg.message ?? 'error', 1000), fatal: false }];
      default:
        return [];
    }
  }

  private itemStarted(item: CodexItem): AgentEvent[] {
    const call = toolCall(item);
    if (!call) return [];
    if (item.id) this.started.add(item.id);
    return [call];
  }

  private itemCompleted(item: CodexItem): AgentEvent[] {
    switch (item.type) {
      case 'agent_message':
        if (!item.text) return [];
        this.lastMessage = item.text;
        return [{ type: 'agent.text', text: item.text }];
      case 'error':
        return [{ type: 'agent.error', message: summarize(item.message ?? 'error', 1000), fatal: false }];
      case 'command_execution':
      case 'file_change':
      case 'mcp_tool_call':
      case 'web_search': {
        const events: AgentEvent[] = [];
        const call = toolCall(item);
        if (call && !(item.id && this.started.delete(item.id))) events.push(call);
        events.push(toolResult(item));
        return events;
      }
      default:
        return []; // reasoning, todo_list: not part of the normalized stream (kept in the transcript)
    }
  }

  private turnCompleted(msg: CodexLine): AgentEvent[] {
    const u = msg.usage ?? {};
    return [
      {
        type: 'agent.usage',
        // OpenAI counts cached tokens inside input_tokens; the schema keeps them apart.
        inputTokens: Math.max(0, (u.input_tokens ?? 0) - (u.cached_input_tokens ?? 0)),
        outputTokens: u.output_tokens ?? 0,
        cachedInputTokens: u.cached_input_tokens ?? 0,
      },
      {
        type: 'agent.result',
        ok: true,
        ...opt('message', this.lastMessage ? summarize(this.lastMessage, 1000) : undefined),
        ...opt('sessionId', this.sessionId),
      },
    ];
  }
}

function toolCall(item: CodexItem): AgentEvent | undefined {
  const id = opt('id', item.id);
  switch (item.type) {
    case 'command_execution':
      return { type: 'agent.tool_call', name: 'shell', input: summarize(item.command ?? ''), ...id };
    case 'file_change':
      return { type: 'agent.tool_call', name: 'edit', input: describeChanges(item.changes), ...id };
    case 'mcp_tool_call':
      return {
        type: 'agent.tool_call',
        name: [item.server, item.tool].filter(Boolean).join('.') || 'mcp',
        input: summarize(item.arguments ?? ''),
        ...id,
      };
    case 'web_search':
      return { type: 'agent.tool_call', name: 'web_search', input: summarize(item.query ?? ''), ...id };
    default:
      return undefined;
  }
}

function toolResult(item: CodexItem): AgentEvent {
  const id = opt('id', item.id);
  if (item.type === 'command_execution') {
    const ok = item.exit_code === 0 && item.status !== 'failed';
    const out = summarize(item.aggregated_output ?? '');
    const code = item.exit_code ?? item.status ?? '?';
    return { type: 'agent.tool_result', ok, summary: `exit ${code}${out ? `: ${out}` : ''}`, ...id };
  }
  const error = typeof item.error === 'string' ? item.error : item.error?.message;
  const ok = item.status !== 'failed' && !error;
  const summary = error
    ? summarize(error)
    : item.type === 'file_change'
      ? `${item.status ?? 'done'}: ${describeChanges(item.changes)}`
      : summarize(item.result ?? item.status ?? 'done');
  return { type: 'agent.tool_result', ok, summary, ...id };
}

function describeChanges(changes: CodexItem['changes']): string {
  return summarize((changes ?? []).map((c) => `${c.kind ?? 'update'} ${c.path ?? '?'}`).join(', '));
}

function opt<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });
}
