import { type AgentEvent, summarize } from '../agents/AgentEvent.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { PendingEvent } from './EventStreamer.js';

const SUMMARY_MAX = 500;

/**
 * Maps one of the job's (already masked) `agent` output entries to the control plane's event
 * schema: text → thinking, tool calls and results, errors. Usage, init and result entries have no
 * counterpart (the terminal report carries cost and turns). `toolNames` remembers each call's tool so
 * its result can name it.
 */
export function taskEventOf(entry: OutputEntry, toolNames: Map<string, string>): PendingEvent | undefined {
  if (entry.stream !== 'agent' || !entry.data) return undefined;
  const event = entry.data as AgentEvent;
  const timestamp = entry.ts;
  switch (event.type) {
    case 'agent.text': {
      const summary = summarize(event.text, SUMMARY_MAX);
      return summary ? { timestamp, type: 'thinking', summary } : undefined;
    }
    case 'agent.tool_call': {
      if (event.id) toolNames.set(event.id, event.name);
      if (toolNames.size > 10_000) toolNames.clear();
      const input = summarize(event.input, SUMMARY_MAX);
      return {
        timestamp,
        type: 'tool_call',
        summary: summarize(`${event.name} ${input}`, SUMMARY_MAX) || event.name || 'tool call',
        tool: event.name,
        ...(input ? { input: { summary: input } } : {}),
      };
    }
    case 'agent.tool_result': {
      const tool = event.id ? toolNames.get(event.id) : undefined;
      const summary = summarize(event.summary, SUMMARY_MAX);
      return {
        timestamp,
        type: 'tool_result',
        summary: summary || `${tool ?? 'tool'} ${event.ok ? 'succeeded' : 'failed'}`,
        ...(tool ? { tool } : {}),
        output: { success: event.ok, ...(summary ? { summary } : {}) },
      };
    }
    case 'agent.error':
      return {
        timestamp,
        type: 'error',
        summary: summarize(event.message, SUMMARY_MAX) || 'agent error',
        metadata: { fatal: event.fatal },
      };
    default:
      return undefined;
  }
}
