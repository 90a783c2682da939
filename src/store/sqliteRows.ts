import type { ErrorKind } from '../jobs/ErrorKind.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { JobStatus } from '../jobs/JobStatus.js';
import type { OutputEntry, OutputStream } from '../jobs/OutputEntry.js';
import { parseStoredSource } from '../jobs/parseStoredSource.js';
import { isReviewVerdict } from '../jobs/ReviewVerdict.js';

export interface JobRow {
  id: string;
  status: string;
  spec: string;
  repo: string;
  base_ref: string | null;
  branch: string;
  agent: string;
  commit_sha: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  error_kind: string | null;
  error_message: string | null;
  attempts: number;
  runner_id: string | null;
  cost_usd: number | null;
  turns: number | null;
  input_tokens: number | null;
  cached_input_tokens: number | null;
  output_tokens: number | null;
  pr_url: string | null;
  phase: string | null;
  cancel_requested: number;
  lease_until: number | null;
  source: string | null;
  verdict: string | null;
  findings: string | null;
}

export function rowToJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    status: row.status as JobStatus,
    spec: JSON.parse(row.spec) as JobSpec,
    repo: row.repo,
    baseRef: row.base_ref,
    branch: row.branch,
    agent: row.agent,
    commit: row.commit_sha,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    errorKind: row.error_kind as ErrorKind | null,
    errorMessage: row.error_message,
    attempts: row.attempts,
    runnerId: row.runner_id,
    costUsd: row.cost_usd,
    turns: row.turns,
    inputTokens: row.input_tokens ?? null,
    cachedInputTokens: row.cached_input_tokens ?? null,
    outputTokens: row.output_tokens ?? null,
    prUrl: row.pr_url,
    phase: row.phase,
    source: parseStoredSource(row.source),
    verdict: isReviewVerdict(row.verdict) ? row.verdict : null,
    findings: row.findings,
    cancelRequested: row.cancel_requested === 1,
  };
}

export interface OutputRow {
  seq: number;
  ts: string;
  stream: string;
  type: string | null;
  line: string;
  data: string | null;
}

export function rowToEntry(row: OutputRow): OutputEntry {
  const entry: OutputEntry = { seq: row.seq, ts: row.ts, stream: row.stream as OutputStream, line: row.line };
  if (row.type) entry.type = row.type;
  if (row.data) entry.data = JSON.parse(row.data) as Record<string, unknown>;
  return entry;
}

/** JobPatch keys → column names. */
export const PATCH_COLUMNS = {
  baseRef: 'base_ref',
  branch: 'branch',
  commit: 'commit_sha',
  exitCode: 'exit_code',
  costUsd: 'cost_usd',
  turns: 'turns',
  inputTokens: 'input_tokens',
  cachedInputTokens: 'cached_input_tokens',
  outputTokens: 'output_tokens',
  prUrl: 'pr_url',
  phase: 'phase',
  errorKind: 'error_kind',
  errorMessage: 'error_message',
  verdict: 'verdict',
  findings: 'findings',
} as const;
