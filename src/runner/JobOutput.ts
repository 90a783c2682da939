import type { Logger } from 'pino';
import type { NewOutputEntry, OutputEntry } from '../jobs/OutputEntry.js';
import type { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';

/** Called for each entry as it is appended (before it is stored); jobId lets one listener serve many jobs. */
export type OutputListener = (entry: OutputEntry, jobId: string) => void;

export interface JobOutputOptions {
  /** Entries per store write. */
  batchSize?: number;
  /** Longest time an entry waits before it is written. */
  flushMs?: number;
  /** Pending entries above which writers are told to wait (backpressure on the agent's pipes). */
  highWater?: number;
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
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<OutputListener>();
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly highWater: number;
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

  /** Appends an entry whose text is already masked (lines from a StreamMasker). */
  appendMasked(entry: NewOutputEntry): Promise<void> | undefined {
    const full: OutputEntry = { ...entry, seq: ++this.seq, ts: entry.ts ?? new Date().toISOString() };
    this.pending.push(full);
    for (const listener of this.listeners) listener(full, this.jobId);
    if (this.pending.length >= this.batchSize) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushMs);
    return this.pending.length >= this.highWater ? this.flush() : undefined;
  }

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
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.batchSize);
      try {
        await this.store.appendOutput(this.jobId, batch);
        this.pending.splice(0, batch.length);
        this.written += batch.length;
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 20 === 0) {
          this.options.logger?.warn(
            { err, jobId: this.jobId, pending: this.pending.length },
            'output write failed; retrying',
          );
        }
        if (this.closed && failures > 600) throw err;
        await sleep(Math.min(2000, 100 * failures));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
