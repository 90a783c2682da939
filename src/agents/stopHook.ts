import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The file `drover hook` appends to and the runner reads (one JSON line per report). */
export function stopHookReportFile(stateDir: string): string {
  return join(stateDir, 'drover-hook.jsonl');
}

/** What Claude Code sends a Stop hook on stdin (fields Drover uses; others are ignored). */
export const StopHookInput = z.looseObject({
  hook_event_name: z.string().optional(),
  session_id: z.string().optional(),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  stop_hook_active: z.boolean().optional(),
  last_assistant_message: z.string().optional(),
});
export type StopHookInput = z.infer<typeof StopHookInput>;

/** One line of the report file. */
export const StopHookReport = z.object({
  event: z.literal('stop'),
  at: z.string(),
  sessionId: z.string().optional(),
  message: z.string().optional(),
});
export type StopHookReport = z.infer<typeof StopHookReport>;

/** POSIX shell quoting for one argument. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes the per-job Claude Code settings file (passed with --settings, so nothing global changes)
 * whose Stop hook runs `drover hook --report <file>`. Returns its path.
 */
export async function writeClaudeHookSettings(
  stateDir: string,
  hookCommand: readonly string[],
): Promise<string> {
  const command = [...hookCommand, '--report', stopHookReportFile(stateDir)].map(shellQuote).join(' ');
  const settings = { hooks: { Stop: [{ hooks: [{ type: 'command', command, timeout: 30 }] }] } };
  const path = join(stateDir, 'claude-settings.json');
  await writeFile(path, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return path;
}
