import { type JobRecord, publicJob } from '../jobs/JobRecord.js';
import { isTerminal } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';
import type { SseConnection } from './sse.js';

export interface StreamOptions {
  pollMs: number;
  pageSize?: number;
  /** After the end marker, how long to wait for the terminal record before closing anyway. */
  finalRecordWaitMs?: number;
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
 * and whenever its status or phase changes). Ends after the end marker and the terminal record, or
 * when a job that never ran (cancelled while queued) is terminal.
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
  /** Sends every stored entry after `after`; true once the end marker went out. */
  const drain = async (): Promise<boolean> => {
    for (;;) {
      const page = await store.readOutput(jobId, after, pageSize);
      for (const entry of page) {
        if (conn.closed) return false;
        await conn.send({ id: entry.seq, event: eventName(entry), data: entry });
        after = entry.seq;
        if (entry.type === 'end') return true;
      }
      if (page.length < pageSize) return false;
    }
  };

  await conn.write('retry: 2000\n\n');
  let ended = false;
  while (!conn.closed) {
    // Read the record before the output: once it is terminal, every entry is already stored.
    const job = await store.get(jobId);
    if (!job) break;
    ended = await drain();
    if (ended) break;
    await sendJob(job);
    if (isTerminal(job.status)) break;
    await sleep(opts.pollMs, conn.signal);
  }
  if (ended) {
    // The end marker is written just before the terminal status: wait briefly for the final record.
    const deadline = Date.now() + (opts.finalRecordWaitMs ?? 10_000);
    while (!conn.closed) {
      const job = await store.get(jobId);
      if (!job || isTerminal(job.status) || Date.now() > deadline) {
        if (job) await sendJob(job);
        break;
      }
      await sleep(Math.min(opts.pollMs, 100), conn.signal);
    }
  }
  conn.close();
}
