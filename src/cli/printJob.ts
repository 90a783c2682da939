import { formatDuration } from '../config/duration.js';
import { type JobRecord, publicJob } from '../jobs/JobRecord.js';
import { sourceLabel } from '../jobs/sourceLabel.js';
import { sanitizeForTerminal } from './TerminalSanitizer.js';

/** The record as `--json` prints it: one object, stable field names. */
export function jobJson(job: JobRecord): string {
  return JSON.stringify(publicJob(job));
}

/** Human summary of a job (drover status, end of drover run). */
export function describeJob(job: JobRecord): string {
  const rows: [string, string | null | undefined][] = [
    ['id', job.id],
    ['status', job.status + (job.phase && job.status === 'running' ? ` (${job.phase})` : '')],
    ['repo', job.repo],
    ['base', job.baseRef],
    ['branch', job.branch],
    ['commit', job.commit],
    ['agent', job.agent],
    ['pr', job.prUrl],
    ['created', job.createdAt],
    ['started', job.startedAt],
    ['finished', job.finishedAt],
    ['duration', job.durationMs !== null ? formatDuration(job.durationMs) : null],
    ['attempts', String(job.attempts)],
    ['runner', job.runnerId],
    ['exit code', job.exitCode !== null ? String(job.exitCode) : null],
    ['cost', job.costUsd !== null ? `$${job.costUsd.toFixed(4)}` : null],
    ['turns', job.turns !== null ? String(job.turns) : null],
    ['tokens', tokens(job)],
    ['error', job.errorKind ? `${job.errorKind}: ${job.errorMessage ?? ''}` : null],
    ['source', job.source ? sourceLabel(job.source) : null],
  ];
  return rows
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k.padEnd(10)} ${sanitizeForTerminal(v!, false)}`)
    .join('\n');
}

/** `in 12000 (cached 9000) out 800`: model tokens counted by the gateway. */
function tokens(job: JobRecord): string | null {
  if (job.inputTokens === null || job.inputTokens === undefined) return null;
  const cached = job.cachedInputTokens ?? 0;
  return `in ${job.inputTokens + cached} (cached ${cached}) out ${job.outputTokens ?? 0}`;
}
