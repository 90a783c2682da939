import { appendFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { summarize } from '../agents/AgentEvent.js';
import { StopHookInput, type StopHookReport } from '../agents/stopHook.js';
import { InvalidInputError } from '../errors.js';
import { describeIssues, zodIssues } from '../jobs/parseJobSpec.js';

const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * `drover hook --report <file>`: Claude Code's Stop hook (installed per job by the runner through
 * --settings). Reads the hook JSON on stdin and appends one line to the report file the runner
 * watches: the agent declared itself done. It never blocks the agent: exit 2 would make Claude
 * continue, so every failure exits 1 (a non-blocking hook error) with the reason on stderr.
 */
export function registerHook(program: Command): void {
  program
    .command('hook')
    .description('Claude Code Stop hook: report to the runner that the agent declared itself done')
    // Not a requiredOption: commander's usage error exits 2, which would block the agent.
    .option('--report <file>', 'file the runner watches (one JSON line per report)')
    .action(async (flags: { report?: string }) => {
      try {
        if (!flags.report) throw new Error('--report: the report file is required');
        const report = stopReport(parseHookInput(await readStdin()));
        if (report) await appendFile(flags.report, `${JSON.stringify(report)}\n`);
        process.exitCode = 0;
      } catch (err) {
        process.stderr.write(`drover hook: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

export function parseHookInput(text: string): StopHookInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`stdin: the hook input is not JSON (${(err as Error).message})`, [
      { path: 'stdin', message: 'is not valid JSON' },
    ]);
  }
  const parsed = StopHookInput.safeParse(value);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new InvalidInputError(`invalid hook input: ${describeIssues(issues)}`, issues);
  }
  return parsed.data;
}

/**
 * The report for a Stop event, or undefined when there is nothing to report: another hook's event,
 * or stop_hook_active (Claude is already continuing because a stop hook blocked; the first stop was
 * reported, and reporting again could loop).
 */
export function stopReport(input: StopHookInput): StopHookReport | undefined {
  if (input.hook_event_name !== undefined && input.hook_event_name !== 'Stop') return undefined;
  if (input.stop_hook_active) return undefined;
  return {
    event: 'stop',
    at: new Date().toISOString(),
    ...(input.session_id ? { sessionId: input.session_id } : {}),
    ...(input.last_assistant_message ? { message: summarize(input.last_assistant_message, 1000) } : {}),
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new Error('stdin: the hook input is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
