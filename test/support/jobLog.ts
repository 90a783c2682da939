// Reads a finished job's record and output through the built CLI (status --json, logs --json).
import { formatEntry } from '../../src/cli/formatEntry.js';
import type { OutputEntry } from '../../src/jobs/OutputEntry.js';
import { runDrover } from './drover.js';

export async function jobRecord(id: string, dataDir: string): Promise<Record<string, unknown>> {
  const res = await runDrover(['status', id, '--json', '--data-dir', dataDir]);
  if (res.code !== 0) throw new Error(`drover status ${id} failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

/** A job's whole stored output. */
export async function jobLog(id: string, dataDir: string): Promise<OutputEntry[]> {
  const res = await runDrover(['logs', id, '--json', '--data-dir', dataDir]);
  if (res.code !== 0) throw new Error(`drover logs ${id} failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OutputEntry);
}

/** All log lines as text, one per entry (for "the output shows it" assertions). */
export function logText(entries: OutputEntry[]): string {
  return entries.map((e) => `[${e.stream}${e.type ? `:${e.type}` : ''}] ${e.line}`).join('\n');
}

/** The phases the job entered, in order (fix rounds and review cycles repeat 'agent', 'verify', 'review'). */
export function phasesOf(log: OutputEntry[]): string[] {
  return log.filter((e) => e.type === 'phase').map((e) => String(e.data?.phase));
}

/** System lines of one type (verify.result, review.outcome, pr...). */
export function systemLines(log: OutputEntry[], type: string): OutputEntry[] {
  return log.filter((e) => e.stream === 'system' && e.type === type);
}

/** What the log artifact (log.txt) holds for these entries: each as `drover logs` prints it, with its time. */
export function logArtifactText(entries: OutputEntry[]): string {
  return entries
    .filter((e) => e.type !== 'end')
    .map((e) => `${e.ts} ${formatEntry(e, false)}\n`)
    .join('');
}
