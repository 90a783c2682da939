import type { JobContext } from '../pipeline/JobContext.js';
import type { AgentRunResult } from '../runner/runAgent.js';

const PAGE = 1000;
const MAX_ENTRIES = 20_000;

/**
 * What the reviewer said: its text lines (stdout of a command reviewer, text events of a structured
 * agent) read back from the job's own masked output after `afterSeq`, so every agent works the same.
 */
export async function reviewerAnswer(
  ctx: JobContext,
  afterSeq: number,
  result: AgentRunResult,
): Promise<string> {
  await ctx.output.flush();
  const lines: string[] = [];
  let cursor = afterSeq;
  for (let read = 0; read < MAX_ENTRIES; read += PAGE) {
    const entries = await ctx.store.readOutput(ctx.job.id, cursor, PAGE);
    for (const entry of entries) {
      if (entry.stream === 'stdout' || (entry.stream === 'agent' && entry.type === 'agent.text')) {
        lines.push(entry.line);
      }
    }
    if (entries.length < PAGE) break;
    cursor = entries.at(-1)!.seq;
  }
  const text = lines.join('\n');
  // A structured agent's final message repeats its last text; use it when the stream had no verdict.
  return /\bREVIEW:/.test(text) || !result.message ? text : `${text}\n${result.message}`;
}
