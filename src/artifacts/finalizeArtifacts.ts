import { mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatEntry } from '../cli/formatEntry.js';
import type { JobOutcome } from '../jobs/JobRecord.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { LOG_ARTIFACT, type LogArtifact } from './LogArtifact.js';
import { openArtifactStore } from './openArtifactStore.js';
import { artifactNameProblem } from './types.js';

export { LOG_ARTIFACT };
export const RESULT_ARTIFACT = 'result.json';
const PAGE = 250;
/** Files above this are left as written (they were masked line by line when written). */
const REMASK_LIMIT = 64 * 1024 * 1024;

/**
 * At the end of a job (its output closed): puts the full masked log in place (written while the job
 * ran; read from the store when that failed) and writes result.json next to what the phases staged
 * (transcript, diff, verify and review reports), masks every other file once more with all secrets
 * known by now (the log masks its own stale part), and hands the directory to the artifact store.
 */
export async function finalizeArtifacts(
  ctx: JobContext,
  outcome: JobOutcome,
  log?: LogArtifact,
): Promise<void> {
  const dir = ctx.artifactsDir;
  await mkdir(dir, { recursive: true });
  const streamed = log ? await log.finish() : false;
  if (!streamed) await writeLog(ctx, join(dir, LOG_ARTIFACT));
  const names = (await readdir(dir)).filter((n) => !artifactNameProblem(n));
  const result = resultDocument(ctx, outcome, [...new Set([...names, RESULT_ARTIFACT])].sort());
  await writeFile(join(dir, RESULT_ARTIFACT), `${JSON.stringify(result, null, 2)}\n`);
  for (const name of await readdir(dir)) {
    if (artifactNameProblem(name) || (streamed && name === LOG_ARTIFACT)) continue;
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile() || info.size > REMASK_LIMIT) continue;
    const text = await readFile(path, 'utf8');
    const masked = ctx.masker.mask(text);
    if (masked !== text) await writeFile(path, masked);
  }
  await openArtifactStore(ctx.config.hostEnv, ctx.config.dataDir).importDir(ctx.job.id, dir);
}

/** The job's whole output as the terminal shows it, read back from the store (already masked there). */
async function writeLog(ctx: JobContext, path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    let after = 0;
    for (;;) {
      const entries = await ctx.store.readOutput(ctx.job.id, after, PAGE);
      const text = entries
        .filter((e) => e.type !== 'end')
        .map((e) => `${e.ts} ${formatEntry(e, false)}\n`)
        .join('');
      if (text) await file.write(text);
      if (entries.length < PAGE) break;
      after = entries.at(-1)!.seq;
    }
  } finally {
    await file.close();
  }
}

function resultDocument(ctx: JobContext, outcome: JobOutcome, artifacts: string[]) {
  const delivery = ctx.delivery;
  const lastVerify = delivery?.verifyRounds.at(-1);
  const lastReview = delivery?.reviews.at(-1);
  const doc = {
    id: ctx.job.id,
    attempt: ctx.job.attempts,
    runnerId: ctx.config.runnerId,
    finishedAt: new Date().toISOString(),
    ...outcome,
    repo: ctx.spec.repo,
    prUrl: delivery?.prUrl ?? null,
    spec: ctx.spec,
    agentRuns: ctx.agentRuns.map((r) => ({
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      ...(r.turns !== undefined ? { turns: r.turns } : {}),
      ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
      ...(r.sessionId ? { sessionId: r.sessionId } : {}),
      ...(r.error ? { error: { kind: r.error.kind, message: r.error.message } } : {}),
      ...(r.message ? { message: r.message } : {}),
    })),
    verify: lastVerify
      ? {
          ok: lastVerify.ok,
          rounds: delivery!.verifyRounds.length,
          commands: lastVerify.results.map((r) => ({ command: r.command, ok: r.ok, exitCode: r.exitCode })),
        }
      : null,
    review: lastReview ? { outcome: lastReview.outcome, cycles: delivery!.reviews.length } : null,
    artifacts,
  };
  return JSON.parse(ctx.masker.mask(JSON.stringify(doc))) as unknown;
}
