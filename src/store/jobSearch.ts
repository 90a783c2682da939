import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSource } from '../jobs/JobSource.js';
import type { ListFilter } from './types.js';

/** What free-text search looks at: the record's id, repo and branch, the prompt, and who asked. */
export interface SearchableJob {
  id: string;
  repo: string;
  branch: string;
  prompt: string | null;
  source: JobSource | null;
}

/** Case-insensitive (Unicode lower case) substring test; `needle` must already be folded. */
function contains(haystack: string | null | undefined, needle: string): boolean {
  return typeof haystack === 'string' && haystack.toLowerCase().includes(needle);
}

export const foldNeedle = (text: string): string => text.trim().toLowerCase();

/** True when any searchable field contains the (folded) needle. Both stores use this one function. */
export function jobTextMatches(job: SearchableJob, needle: string): boolean {
  const s = job.source;
  return [
    job.id,
    job.repo,
    job.branch,
    job.prompt,
    s?.author,
    s?.url,
    s?.repo,
    s?.plan,
    s?.task,
    s?.taskId,
  ].some((field) => contains(field, needle));
}

export function repoMatches(repo: string, needle: string): boolean {
  return contains(repo, needle);
}

/** The record-level part of a ListFilter (status is answered by the stores' indexes). */
export function jobMatchesFilter(job: JobRecord, filter: ListFilter): boolean {
  if (filter.repo && job.repo !== filter.repo) return false;
  if (filter.repoContains && !repoMatches(job.repo, foldNeedle(filter.repoContains))) return false;
  if (filter.text) {
    const searchable = { ...job, prompt: job.spec.prompt };
    if (!jobTextMatches(searchable, foldNeedle(filter.text))) return false;
  }
  return true;
}

/** Whether a filter needs each record looked at (a scan), not only an index. */
export const filterNeedsScan = (filter: ListFilter): boolean =>
  Boolean(filter.repo) || Boolean(filter.repoContains) || Boolean(filter.text);
