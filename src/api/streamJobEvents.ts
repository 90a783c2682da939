import { type JobRecord, publicJob } from '../jobs/JobRecord.js';
import { isTerminal } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';
import type { SseConnection } from './sse.js';

export interface StreamOptions {
  pollMs: number;
  pageSize?: number;
}

/** SSE event name of an output entry: `phase`, `status`, `end` for those system entries, else the stream. */
export function eventName(entry: OutputEntry): string {
  if (
    entry.stream === 'system' &&
    (entry.type === 'phase' || entry.type === 'status' || entry.type === 'end')
  ) {
    return entry.type;
  }
  return entry.stream;
}

/**
 * Streams a job's output after `afterSeq` as SSE events (`id` = seq, so a reconnect resumes exactly
 * where the client left off) plus `job` events (no id: a snapshot of the record, sent at the start
 * and whenever its status or phase changes). Ends once the job is terminal and every entry is out,
 * the terminal record last. An end marker alone is not the end: a runner that died right after
 * writing it leaves the job to be retried, and the retry's output follows.
 */
export async function streamJobEvents(
  conn: SseConnection,
  store: JobStore,
  jobId: string,
  afterSeq: number,
  opts: StreamOptions,
): Promise<void> {
  const pageSize = opts.pageSize ?? 500;
  let after = afterSeq;
  let lastKey = '';
  const sendJob = async (job: JobRecord) => {
    const key = `${job.status}|${job.phase}|${job.attempts}|${job.commit}|${job.prUrl}`;
    if (key === lastKey) return;
    lastKey = key;
    await conn.send({ event: 'job', data: publicJob(job) });
  };

  await conn.write('retry: 2000\n\n');
  while (!conn.closed) {
    // Read the record before the output: once it is terminal, every entry is already stored.
    const job = await store.get(jobId);
    if (!job) break;
    for (;;) {
      const page = await store.readOutput(jobId, after, pageSize);
      for (const entry of page) {
        if (conn.closed) return;
        await conn.send({ id: entry.seq, event: eventName(entry), data: entry });
        after = entry.seq;
      }
      if (page.length < pageSize) break;
    }
    await sendJob(job);
    if (isTerminal(job.status)) break;
    await sleep(opts.pollMs, conn.signal);
  }
  conn.close();
}
