import type { Logger } from 'pino';
import type { NewOutputEntry, OutputEntry } from '../jobs/OutputEntry.js';
import type { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';

/**
 * Called for each entry as it is appended (before it is stored); jobId lets one listener serve many
 * jobs. A listener that returns a promise (a terminal behind a slow pipe) slows the agent down until it
 * settles, so live output never piles up in memory.
 */
export type OutputListener = (entry: OutputEntry, jobId: string) => unknown;

/**
 * Called with each batch once the store has it, in seq order: what readers may be shown without ever
 * seeing a seq the store could lose (live event streams push these).
 */
export type StoredListener = (entries: readonly OutputEntry[], jobId: string) => void;

export interface JobOutputOptions {
  /** Entries per store write. */
  batchSize?: number;
  /** Longest time an entry waits before it is written. */
  flushMs?: number;
  /** Pending entries above which writers are told to wait (backpressure on the agent's pipes). */
  highWater?: number;
  /** Pending characters above which writers wait: long lines make entry counts a poor memory bound. */
  highWaterChars?: number;
  logger?: Logger;
}

/**
 * The single writer of a job's output: masks, numbers and batches entries into the store, and
 * fans them out live to listeners (the terminal, SSE). Store failures are retried, never dropped;
 * memory stays bounded because producers wait while too much is pending.
 */
export class JobOutput {
  private seq: number;
  private pending: OutputEntry[] = [];
  /** Entries taken by the running drain and not yet confirmed by the store. */
  private inFlight = 0;
  /** Characters of line text pending or in flight (the memory that matters when lines are long). */
  private bufferedChars = 0;
  /** The one running drain (writes stay in order); it loops until nothing is pending. */
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tsMs = 0;
  private tsText = '';
  private readonly listeners = new Set<OutputListener>();
  private readonly storedListeners = new Set<StoredListener>();
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly highWater: number;
  private readonly highWaterChars: number;
  private closed = false;
  /** Number of entries written to the store. */
  written = 0;

  constructor(
    private readonly store: JobStore,
    readonly jobId: string,
    readonly masker: Masker,
    lastSeq: number,
    private readonly options: JobOutputOptions = {},
  ) {
    this.seq = lastSeq;
    this.batchSize = options.batchSize ?? 2000;
    this.flushMs = options.flushMs ?? 50;
    this.highWater = options.highWater ?? 20_000;
    this.highWaterChars = options.highWaterChars ?? 4_000_000;
  }

  static async open(
    store: JobStore,
    jobId: string,
    masker: Masker,
    options?: JobOutputOptions,
  ): Promise<JobOutput> {
    return new JobOutput(store, jobId, masker, await store.lastSeq(jobId), options);
  }

  get lastSeq(): number {
    return this.seq;
  }

  onEntry(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStored(listener: StoredListener): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /** Appends an entry whose text is already masked (lines from a StreamMasker). */
  appendMasked(entry: NewOutputEntry): Promise<void> | undefined {
    // Hot path (once per line): a fixed-shape object, and one ISO timestamp per millisecond.
    const full: OutputEntry = {
      stream: entry.stream,
      line: entry.line,
      seq: ++this.seq,
      ts: entry.ts ?? this.now(),
    };
    if (entry.type !== undefined) full.type = entry.type;
    if (entry.data !== undefined) full.data = entry.data;
    this.pending.push(full);
    this.bufferedChars += full.line.length;
    let listenerWait: Promise<unknown> | undefined;
    for (const listener of this.listeners) {
      const result = listener(full, this.jobId);
      if (result instanceof Promise)
        listenerWait = listenerWait ? Promise.all([listenerWait, result]) : result;
    }
    const overHighWater =
      this.pending.length + this.inFlight >= this.highWater || this.bufferedChars >= this.highWaterChars;
    if (this.pending.length >= this.batchSize || overHighWater) this.startDrain();
    else if (!this.timer && !this.draining) this.timer = setTimeout(this.onTimer, this.flushMs);
    const storeWait = overHighWater ? this.flush() : undefined;
    if (!listenerWait) return storeWait;
    return Promise.all([listenerWait, storeWait]).then(() => undefined);
  }

  private now(): string {
    const ms = Date.now();
    if (ms !== this.tsMs) {
      this.tsMs = ms;
      this.tsText = new Date(ms).toISOString();
    }
    return this.tsText;
  }

  private readonly onTimer = () => {
    this.timer = undefined;
    this.startDrain();
  };

  /** Appends an entry from text and data that may contain secrets. */
  append(entry: NewOutputEntry): Promise<void> | undefined {
    const masked: NewOutputEntry = { ...entry, line: this.masker.mask(entry.line) };
    if (entry.data)
      masked.data = JSON.parse(this.masker.mask(JSON.stringify(entry.data))) as Record<string, unknown>;
    return this.appendMasked(masked);
  }

  system(line: string, type = 'info', data?: Record<string, unknown>): void {
    void this.append({ stream: 'system', line, type, ...(data ? { data } : {}) });
  }

  phase(name: string, title: string): void {
    this.system(title, 'phase', { phase: name });
  }

  /** Writes everything pending; resolves when the store has it. */
  flush(): Promise<void> {
    this.startDrain();
    const running = this.draining;
    if (!running) return Promise.resolve();
    // Entries appended while the drain was finishing are written by a next drain.
    return running.then(() => (this.pending.length > 0 ? this.flush() : undefined));
  }

  private startDrain(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.draining || this.pending.length === 0) return;
    const run = this.drain().finally(() => {
      this.draining = undefined;
      if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(this.onTimer, this.flushMs);
    });
    run.catch(() => {}); // callers of flush() get the error; internal kicks must not go unhandled
    this.draining = run;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.pending.length > 0) {
      // Take everything pending at once (no O(n) splicing of a long queue), write it in batches.
      const taken = this.pending;
      this.pending = [];
      this.inFlight = taken.length;
      let done = 0;
      while (done < taken.length) {
        const batch =
          done === 0 && taken.length <= this.batchSize ? taken : taken.slice(done, done + this.batchSize);
        try {
          await this.store.appendOutput(this.jobId, batch);
          done += batch.length;
          this.inFlight -= batch.length;
          for (const e of batch) this.bufferedChars -= e.line.length;
          this.written += batch.length;
          failures = 0;
          for (const listener of this.storedListeners) {
            try {
              listener(batch, this.jobId);
            } catch (err) {
              this.options.logger?.warn({ err, jobId: this.jobId }, 'stored-output listener failed');
            }
          }
        } catch (err) {
          failures++;
          if (failures === 1 || failures % 20 === 0) {
            this.options.logger?.warn(
              { err, jobId: this.jobId, pending: this.inFlight + this.pending.length },
              'output write failed; retrying',
            );
          }
          if (this.closed && failures > 600) {
            this.pending = taken.slice(done).concat(this.pending);
            this.inFlight = 0;
            throw err;
          }
          await sleep(Math.min(2000, 100 * failures));
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
