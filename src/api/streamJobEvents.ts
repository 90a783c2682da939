import type { JobStore } from '../store/types.js';
import { eventName, type JobChannel } from './JobChannel.js';
import type { JobEventHub } from './JobEventHub.js';
import { formatSseEvent, type SseConnection } from './sse.js';

export { eventName };

export interface StreamOptions {
  pageSize?: number;
}

/**
 * Streams a job's output after `afterSeq` as SSE events (`id` = seq, so a reconnect resumes exactly
 * where the client left off) plus `job` events (no id: a snapshot of the record, sent once caught up
 * and whenever its status or phase changes). Ends once the job is terminal and every entry is out,
 * the terminal record last. An end marker alone is not the end: a runner that died right after
 * writing it leaves the job to be retried, and the retry's output follows.
 *
 * Live entries come from the job's shared channel (one store poller for all its subscribers); a
 * subscriber further behind than the channel's window reads its backlog from the store first.
 */
export async function streamJobEvents(
  conn: SseConnection,
  store: JobStore,
  hub: JobEventHub,
  jobId: string,
  afterSeq: number,
  opts: StreamOptions = {},
): Promise<void> {
  const pageSize = opts.pageSize ?? 500;
  const { channel, leave } = hub.subscribe(jobId, afterSeq);
  const gone = new Promise<void>((resolve) => {
    if (conn.closed) resolve();
    else conn.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  let after = afterSeq;
  let sentKey = '';
  try {
    await conn.write('retry: 2000\n\n');
    while (!conn.closed) {
      const changed = channel.next();
      if (after < channel.coveredFrom) {
        after = await catchUp(conn, store, channel, jobId, after, pageSize);
        continue;
      }
      const { text, high } = channel.textAfter(after);
      if (text) {
        await conn.write(text);
        after = high;
        if (after < channel.high) continue; // more than one write's worth is held
      }
      const snapshot = channel.snapshot;
      if (snapshot && snapshot.key !== sentKey) {
        sentKey = snapshot.key;
        await conn.write(snapshot.text);
      }
      if (channel.ended && after >= channel.high) break;
      await Promise.race([changed, gone]);
    }
  } finally {
    leave();
    conn.close();
  }
}

/** Reads the backlog the channel no longer (or never) held, a page at a time; returns the new position. */
async function catchUp(
  conn: SseConnection,
  store: JobStore,
  channel: JobChannel,
  jobId: string,
  after: number,
  pageSize: number,
): Promise<number> {
  const page = await store.readOutput(jobId, after, Math.min(pageSize, channel.coveredFrom - after));
  if (page.length === 0) return channel.coveredFrom; // trimmed from the store (Redis MAXLEN): skip ahead
  let text = '';
  for (const entry of page) {
    text += formatSseEvent({ id: entry.seq, event: eventName(entry), data: entry });
    // Written in pieces: a slow client never has more than one piece waiting in memory.
    if (text.length >= 64 * 1024) {
      await conn.write(text);
      text = '';
    }
  }
  if (text) await conn.write(text);
  return page.at(-1)!.seq;
}
