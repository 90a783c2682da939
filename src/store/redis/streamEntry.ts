import { InvalidInputError } from '../../errors.js';
import { JOB_ID_PATTERN } from '../../jobs/ids.js';
import type { JobSpec } from '../../jobs/JobSpec.js';
import { parseJobSpecJson } from '../../jobs/parseJobSpec.js';
import type { SpecResolver } from '../../jobs/resolveJobSpec.js';

/** One entry of `jobs:stream` as delivered: its stream id and its fields. */
export interface StreamEntry {
  entryId: string;
  fields: Record<string, string>;
}

/** Parses the entries part of an XREADGROUP / XCLAIM / XAUTOCLAIM reply; deleted entries are skipped. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const out: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    const flat = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    out.push({ entryId: item[0], fields });
  }
  return out;
}

/** What an entry asks for, checked the way every edge is: a clear reason names the bad field. */
export type EntryVerdict =
  | { kind: 'dead'; reason: string }
  | { kind: 'job'; jobId: string; payload: string; spec: JobSpec }
  | { kind: 'reject'; jobId: string; payload: string; reason: string };

/**
 * `payload` comes from hash `job:{id}` when it has one (web apps write the hash, then XADD only `id`),
 * else from the entry.
 */
export function judgeEntry(
  fields: Record<string, string>,
  hashPayload: string | null,
  resolveSpec?: SpecResolver,
): EntryVerdict {
  const jobId = fields.id;
  if (jobId === undefined || jobId === '') {
    return { kind: 'dead', reason: 'id: missing; every jobs:stream entry needs the job id' };
  }
  if (!JOB_ID_PATTERN.test(jobId)) {
    return {
      kind: 'dead',
      reason: `id: "${jobId.slice(0, 80)}" is not a job id (6-64 characters: a-z, 0-9, _ and -, starting with a letter or digit)`,
    };
  }
  const payload = hashPayload ?? fields.payload;
  if (payload === undefined || payload === '') {
    return {
      kind: 'reject',
      jobId,
      payload: '',
      reason: `payload: missing; neither the stream entry nor hash job:${jobId} has one`,
    };
  }
  try {
    return { kind: 'job', jobId, payload, spec: parseJobSpecJson(payload, resolveSpec) };
  } catch (err) {
    if (err instanceof InvalidInputError) return { kind: 'reject', jobId, payload, reason: err.message };
    throw err;
  }
}
