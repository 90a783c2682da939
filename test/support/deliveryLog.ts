import type { OutputEntry } from '../../src/jobs/OutputEntry.js';
import { runDrover } from './drover.js';

/** A job's whole stored output, through `drover logs --json`. */
export async function outputOf(dataDir: string, id: string): Promise<OutputEntry[]> {
  const res = await runDrover(['logs', id, '--json', '--data-dir', dataDir]);
  if (res.code !== 0) throw new Error(`drover logs ${id} failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OutputEntry);
}

/** The phases the job entered, in order (fix rounds and review cycles repeat 'agent', 'verify', 'review'). */
export function phasesOf(log: OutputEntry[]): string[] {
  return log.filter((e) => e.type === 'phase').map((e) => String(e.data?.phase));
}

/** System lines of one type (verify.result, review.outcome, pr...). */
export function systemLines(log: OutputEntry[], type: string): OutputEntry[] {
  return log.filter((e) => e.stream === 'system' && e.type === type);
}
