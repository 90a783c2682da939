import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../config/duration.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { VerifyRound } from './DeliveryState.js';
import { deliveryState } from './deliveryStateOf.js';

export const VERIFY_REPORT_JSON = 'verify-report.json';
export const VERIFY_REPORT_TEXT = 'verify-report.txt';

/** Plain-text report of every verify round (artifact, PR body, failure message). */
export function renderVerifyText(rounds: readonly VerifyRound[]): string {
  const out: string[] = [];
  for (const round of rounds) {
    out.push(`Verify round ${round.round} (after ${round.after}): ${round.ok ? 'PASSED' : 'FAILED'}`);
    for (const r of round.results) {
      const how = r.ok
        ? 'passed'
        : r.reason === 'spawn'
          ? 'could not start'
          : r.reason === 'idle'
            ? 'stopped: no output (idle timeout)'
            : r.exitCode === null
              ? `killed by ${r.signal}`
              : `failed with exit ${r.exitCode}`;
      out.push(`  $ ${r.command}  → ${how} (${formatDuration(r.durationMs)})`);
      if (!r.ok && r.tail) out.push(...r.tail.split('\n').map((l) => `    | ${l}`));
    }
    out.push('');
  }
  return out.join('\n');
}

/** The last failing command of a round, for fix prompts and error messages. */
export function firstFailure(round: VerifyRound | undefined) {
  return round?.results.find((r) => !r.ok);
}

/** Writes verify-report.json and .txt into the job's artifacts (rewritten after every round). */
export async function writeVerifyReports(ctx: JobContext): Promise<void> {
  const rounds = deliveryState(ctx).verifyRounds;
  await mkdir(ctx.artifactsDir, { recursive: true });
  const json = JSON.stringify({ ok: rounds.at(-1)?.ok ?? true, rounds }, null, 2);
  await writeFile(join(ctx.artifactsDir, VERIFY_REPORT_JSON), `${ctx.masker.mask(json)}\n`);
  await writeFile(join(ctx.artifactsDir, VERIFY_REPORT_TEXT), ctx.masker.mask(renderVerifyText(rounds)));
}
