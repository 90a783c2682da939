import type { Logger } from 'pino';
import { type JobRecord, publicJob } from '../jobs/JobRecord.js';
import { isTerminal } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';
import { formatSseEvent } from './sse.js';

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

export interface JobChannelOptions {
  pollMs: number;
  /** Entries kept in memory for subscribers; older ones are read from the store. */
  maxEntries?: number;
  /** Characters of formatted events kept in memory. */
  maxChars?: number;
  pageSize?: number;
  logger?: Logger;
  /** Counts store reads (metrics). */
  onStoreRead?: () => void;
}

/** The job record as sent to subscribers: its `job` event and the fields that make it worth sending. */
export interface JobSnapshot {
  key: string;
  text: string;
  terminal: boolean;
}

/**
 * One job's live events, shared by every subscriber of that job: a single poller reads the store (the
 * record, then new output) every pollMs, output this process's runner stores is pushed in at once, and
 * recent entries are kept formatted (bounded in count and size) so a thousand subscribers cost one
 * store read and one JSON serialisation per entry. Subscribers further behind read the store directly.
 */
export class JobChannel {
  /** Formatted entries in seq order: (coveredFrom, high]. */
  private readonly seqs: number[] = [];
  private readonly texts: string[] = [];
  private chars = 0;
  /** Entries with seq <= coveredFrom are not held (never read, or evicted). */
  coveredFrom: number;
  high: number;
  snapshot: JobSnapshot | undefined;
  /** The job is terminal and every entry is in (or the job vanished: snapshot undefined). */
  ended = false;
  subscribers = 0;
  private changed = deferred();
  private readonly wake = new AbortController();
  private wakeNow = deferred();
  /** The last piece handed out: subscribers at the same position (most of them) share it. */
  private memo: { after: number; version: number; maxChars: number; high: number; text: string } | undefined;
  /** Bumped on every change of the held entries. */
  private version = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private stopped = false;
  polling: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    readonly jobId: string,
    startAfter: number,
    private readonly opts: JobChannelOptions,
  ) {
    this.coveredFrom = startAfter;
    this.high = startAfter;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.maxChars = opts.maxChars ?? 2_000_000;
  }

  /** Resolves at the next change (new entries, a new record, the end). */
  next(): Promise<void> {
    return this.changed.promise;
  }

  private notify(): void {
    this.version++;
    this.memo = undefined;
    const done = this.changed;
    this.changed = deferred();
    done.resolve();
  }

  /**
   * Formatted entries after `after` that this channel holds, joined (at most about `maxChars`, so one
   * slow subscriber never holds more than that in its socket's buffer), and the seq they reach.
   */
  textAfter(after: number, maxChars = 64 * 1024): { text: string; high: number } {
    const memo = this.memo;
    if (memo && memo.after === after && memo.version === this.version && memo.maxChars === maxChars) {
      return { text: memo.text, high: memo.high };
    }
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    let chars = 0;
    while (end < this.texts.length && (end === lo || chars + this.texts[end]!.length <= maxChars)) {
      chars += this.texts[end]!.length;
      end++;
    }
    const text = end === lo ? '' : this.texts.slice(lo, end).join('');
    const high = end === lo ? after : this.seqs[end - 1]!;
    this.memo = { after, version: this.version, maxChars, text, high };
    return { text, high };
  }

  /**
   * Entries in seq order. Polled entries are everything the store has after `high`; a pushed batch is
   * taken only when it continues exactly what is held (else the poller fills the gap first).
   */
  add(entries: readonly OutputEntry[], pushed = false): boolean {
    let added = false;
    for (const entry of entries) {
      if (entry.seq <= this.high) continue;
      if (pushed && !added && entry.seq !== this.high + 1) return false;
      const text = formatSseEvent({ id: entry.seq, event: eventName(entry), data: entry });
      this.seqs.push(entry.seq);
      this.texts.push(text);
      this.chars += text.length;
      this.high = entry.seq;
      added = true;
    }
    while (this.seqs.length > this.maxEntries || (this.chars > this.maxChars && this.seqs.length > 1)) {
      this.coveredFrom = this.seqs.shift()!;
      this.chars -= this.texts.shift()!.length;
    }
    if (added) this.notify();
    return true;
  }

  /** Output this process's runner just stored (pushed, so subscribers need not wait for a poll). */
  push(entries: readonly OutputEntry[]): void {
    if (this.ended || entries.length === 0) return;
    if (!this.add(entries, true)) this.wakeNow.resolve(); // a gap: poll the store now
  }

  /** Reads the store now instead of at the next poll (the job's status just changed here). */
  refresh(): void {
    this.wakeNow.resolve();
  }

  /** Starts the poller (once). */
  start(): void {
    this.polling ??= this.poll();
  }

  stop(): void {
    this.stopped = true;
    this.wake.abort();
  }

  private async poll(): Promise<void> {
    const pageSize = this.opts.pageSize ?? 500;
    let failures = 0;
    while (!this.stopped && !this.ended) {
      this.wakeNow = deferred(); // a push that finds a gap while we read wakes the next round at once
      try {
        // The record before the output: once it is terminal, every entry is already stored.
        this.opts.onStoreRead?.();
        const job = await this.store.get(this.jobId);
        if (!job) {
          this.end(undefined);
          return;
        }
        for (let page = 0; page < 10_000 && !this.stopped; page++) {
          this.opts.onStoreRead?.();
          const entries = await this.store.readOutput(this.jobId, this.high, pageSize);
          this.add(entries);
          if (entries.length < pageSize) break;
        }
        if (isTerminal(job.status)) {
          this.end(job);
          return;
        }
        this.setSnapshot(job);
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 40 === 0) {
          this.opts.logger?.warn(
            { err, jobId: this.jobId },
            'event stream: reading the store failed; retrying',
          );
        }
      }
      await Promise.race([sleep(this.opts.pollMs, this.wake.signal), this.wakeNow.promise]);
    }
  }

  private setSnapshot(job: JobRecord): void {
    const key = `${job.status}|${job.phase}|${job.attempts}|${job.commit}|${job.prUrl}`;
    if (this.snapshot?.key === key) return;
    this.snapshot = {
      key,
      text: formatSseEvent({ event: 'job', data: publicJob(job) }),
      terminal: isTerminal(job.status),
    };
    this.notify();
  }

  private end(job: JobRecord | undefined): void {
    if (job) this.setSnapshot(job);
    else this.snapshot = undefined;
    this.ended = true;
    this.notify();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
