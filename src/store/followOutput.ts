import { isTerminal } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { sleep } from '../util/sleep.js';
import type { JobStore } from './types.js';

export interface FollowOptions {
  afterSeq?: number;
  /** Keep waiting for new entries until the end marker (or the job is terminal and drained). */
  follow?: boolean;
  pollMs?: number;
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Yields a job's output in seq order from afterSeq on, exactly once each. Following stops at the
 * end marker of a terminal job, or when the job is terminal and nothing more arrives.
 */
export async function* followOutput(
  store: JobStore,
  jobId: string,
  opts: FollowOptions = {},
): AsyncGenerator<OutputEntry> {
  let after = opts.afterSeq ?? 0;
  const pageSize = opts.pageSize ?? 1000;
  for (;;) {
    if (opts.signal?.aborted) return;
    const page = await store.readOutput(jobId, after, pageSize);
    for (const entry of page) {
      after = entry.seq;
      yield entry;
      // An end marker followed by a retry (the runner died after writing it) is not the end:
      // trust it only once the job is terminal.
      if (
        entry.type === 'end' &&
        opts.follow &&
        isTerminal((await store.get(jobId))?.status ?? 'succeeded')
      ) {
        const rest = await store.readOutput(jobId, after, 1);
        if (rest.length === 0) return;
      }
    }
    if (page.length === pageSize) continue;
    if (!opts.follow) return;
    const job = await store.get(jobId);
    if (!job) return;
    if (isTerminal(job.status)) {
      // The final entries are written before the status; one more read catches any stragglers.
      const rest = await store.readOutput(jobId, after, pageSize);
      for (const entry of rest) {
        after = entry.seq;
        yield entry;
      }
      return;
    }
    await sleep(opts.pollMs ?? 250, opts.signal);
  }
}
