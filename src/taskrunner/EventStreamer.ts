import type { Logger } from 'pino';
import { ControlPlaneError } from '../errors.js';
import { sleep } from '../util/sleep.js';
import type { TaskEvent } from './TaskData.js';

export type PendingEvent = Omit<TaskEvent, 'sequence'>;

export interface EventStreamerOptions {
  /** Posts one batch (the client retries 5xx/network errors itself until its deadline). */
  post: (events: TaskEvent[], signal: AbortSignal) => Promise<unknown>;
  logger: Logger;
  /** Events held while the API is slow; beyond it the oldest are dropped (and counted). */
  capacity?: number;
  batchSize?: number;
  /** How long an event waits for companions before a batch goes out. */
  lingerMs?: number;
}

/**
 * Streams a task's agent events to the control plane in batches, in order, beside the job: push()
 * never waits, whatever the API does. While the API is slow or down, events wait in a bounded buffer;
 * when it overflows the oldest are dropped and the next batch starts with a `thinking` event saying
 * how many (metadata `{dropped}`). Sequences are given when a batch is formed, so they stay
 * gap-free and increasing across batches, and a retried batch keeps its numbers.
 */
export class EventStreamer {
  private buffer: PendingEvent[] = [];
  private dropped = 0;
  private sequence = 0;
  private closed = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  /** Events the control plane accepted. */
  sent = 0;
  /** Events dropped on overflow or in batches the API refused. */
  lost = 0;

  constructor(private readonly options: EventStreamerOptions) {
    this.loop = this.run();
  }

  push(event: PendingEvent): void {
    if (this.closed || this.stopped) return;
    this.buffer.push(event);
    const capacity = this.options.capacity ?? 1000;
    if (this.buffer.length > capacity) {
      const over = this.buffer.length - capacity;
      this.buffer.splice(0, over);
      if (this.dropped === 0) {
        this.options.logger.warn(
          { capacity },
          'the control plane is not keeping up with the agent events: dropping the oldest',
        );
      }
      this.dropped += over;
      this.lost += over;
    }
    // Wake the loop when work appears (idle) or a batch is full (lingering).
    if (this.buffer.length === 1 || this.buffer.length >= (this.options.batchSize ?? 100)) this.wake?.();
  }

  /** Sends what is buffered, then stops; gives up on what is left at the deadline (epoch ms). */
  async close(deadline: number): Promise<void> {
    this.closed = true;
    this.wake?.();
    const timer = new AbortController();
    const finished = await Promise.race([
      this.loop.then(() => true),
      sleep(Math.max(0, deadline - Date.now()), timer.signal).then(() => false),
    ]);
    timer.abort();
    if (!finished) {
      this.abort.abort();
      this.lost += this.buffer.length;
      this.buffer = [];
      await this.loop;
      this.options.logger.warn('agent events still unsent at the deadline were dropped');
    }
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    while (!this.stopped) {
      if (this.buffer.length === 0) {
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      if (!this.closed && this.buffer.length < batchSize) {
        // Let a few more events join the batch (or until it is full / the stream closes).
        const linger = sleep(this.options.lingerMs ?? 250);
        await Promise.race([linger, new Promise<void>((resolve) => (this.wake = resolve))]);
        this.wake = undefined;
      }
      const batch = this.take(batchSize);
      try {
        await this.options.post(batch, this.abort.signal);
        this.sent += batch.length;
      } catch (err) {
        if (this.abort.signal.aborted) {
          this.lost += batch.length;
          return;
        }
        if (err instanceof ControlPlaneError && err.status === 410) {
          this.options.logger.info('the task is already over on the control plane: no more events sent');
          this.stopped = true;
          this.lost += batch.length + this.buffer.length;
          this.buffer = [];
          return;
        }
        this.lost += batch.length;
        this.options.logger.warn({ err, events: batch.length }, 'agent events not delivered');
      }
    }
  }

  private take(batchSize: number): TaskEvent[] {
    const taken = this.buffer.splice(0, this.dropped > 0 ? Math.max(1, batchSize - 1) : batchSize);
    const batch: TaskEvent[] = [];
    if (this.dropped > 0) {
      batch.push({
        sequence: ++this.sequence,
        timestamp: taken[0]?.timestamp ?? new Date().toISOString(),
        type: 'thinking',
        summary: `[drover] ${this.dropped} earlier agent event(s) were dropped: the control plane did not keep up`,
        metadata: { dropped: this.dropped },
      });
      this.dropped = 0;
    }
    for (const event of taken) batch.push({ ...event, sequence: ++this.sequence });
    return batch;
  }
}
