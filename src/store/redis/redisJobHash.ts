import { z } from 'zod';
import { redactUrlCredentials } from '../../git/repoUrl.js';
import { ErrorKind } from '../../jobs/ErrorKind.js';
import { defaultBranch } from '../../jobs/ids.js';
import type { JobPatch, JobRecord } from '../../jobs/JobRecord.js';
import type { JobSpec } from '../../jobs/JobSpec.js';
import { isJobStatus, type JobStatus } from '../../jobs/JobStatus.js';
import { parseJobSpecJson } from '../../jobs/parseJobSpec.js';
import { parseStoredSource } from '../../jobs/parseStoredSource.js';
import { isReviewVerdict } from '../../jobs/ReviewVerdict.js';

/**
 * Hash `job:{id}` as stored: every value a string, '' or absent meaning null. Producers may write only
 * `payload` (and `status` queued/pending); the runner fills in the rest when it starts the job.
 */
export const RedisJobHash = z.record(z.string(), z.string());
export type RedisJobHash = z.infer<typeof RedisJobHash>;

/** Turns a flat [field, value, field, value...] reply (HGETALL inside Lua) into an object. */
export function pairsToHash(pairs: unknown): RedisJobHash {
  const out: RedisJobHash = {};
  if (!Array.isArray(pairs)) return out;
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = String(pairs[i + 1]);
  return out;
}

const str = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);
const numOrNull = (v: string | undefined): number | null => {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** `pending` is what some producers call a job nobody has started yet. */
export function hashStatus(value: string | undefined): JobStatus {
  if (value === undefined || value === '' || value === 'pending') return 'queued';
  return isJobStatus(value) ? value : 'queued';
}

/** The payload as a spec for display: validated when it can be, else whatever JSON object it holds. */
export function specForDisplay(payload: string | undefined): JobSpec {
  if (!payload) return {} as JobSpec;
  try {
    return parseJobSpecJson(payload);
  } catch {
    try {
      // Refused payloads are shown back (drover list, the API): never with the credentials they carried.
      const raw: unknown = JSON.parse(redactUrlCredentials(payload));
      return (raw && typeof raw === 'object' ? raw : {}) as JobSpec;
    } catch {
      return {} as JobSpec;
    }
  }
}

export function hashToJob(id: string, h: RedisJobHash, spec: JobSpec = specForDisplay(h.payload)): JobRecord {
  const kind = ErrorKind.safeParse(h.errorKind);
  return {
    id,
    status: hashStatus(h.status),
    spec,
    repo: redactUrlCredentials(h.repo || (typeof spec.repo === 'string' ? spec.repo : '')),
    baseRef: str(h.baseRef) ?? spec.baseRef ?? null,
    branch: h.branch || spec.branch || defaultBranch(id),
    agent: h.agent || (typeof spec.agent === 'string' ? spec.agent : 'claude'),
    commit: str(h.commit),
    createdAt: h.createdAt ?? '',
    startedAt: str(h.startedAt),
    finishedAt: str(h.finishedAt),
    durationMs: numOrNull(h.durationMs),
    exitCode: numOrNull(h.exitCode),
    errorKind: kind.success ? kind.data : null,
    errorMessage: str(h.errorMessage),
    attempts: numOrNull(h.attempts) ?? 0,
    runnerId: str(h.runnerId),
    costUsd: numOrNull(h.costUsd),
    turns: numOrNull(h.turns),
    inputTokens: numOrNull(h.inputTokens),
    cachedInputTokens: numOrNull(h.cachedInputTokens),
    outputTokens: numOrNull(h.outputTokens),
    prUrl: str(h.prUrl),
    phase: str(h.phase),
    source: parseStoredSource(h.source),
    verdict: isReviewVerdict(h.verdict) ? h.verdict : null,
    findings: str(h.findings),
    cancelRequested: h.cancelRequested === '1',
  };
}

const PATCH_FIELDS = [
  'baseRef',
  'branch',
  'commit',
  'exitCode',
  'costUsd',
  'turns',
  'inputTokens',
  'cachedInputTokens',
  'outputTokens',
  'prUrl',
  'phase',
  'errorKind',
  'errorMessage',
  'verdict',
  'findings',
] as const satisfies readonly (keyof JobPatch)[];

/** A patch as flat field/value pairs for the scripts ('' clears a field; undefined leaves it alone). */
export function patchPairs(patch: JobPatch & { durationMs?: number }): string[] {
  const pairs: string[] = [];
  for (const field of [...PATCH_FIELDS, 'durationMs'] as const) {
    const value = (patch as Record<string, unknown>)[field];
    if (value === undefined) continue;
    pairs.push(field, value === null ? '' : String(value));
  }
  return pairs;
}
