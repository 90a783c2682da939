import type { Logger } from 'pino';
import { StoreError } from '../../errors.js';
import type { JobPatch } from '../../jobs/JobRecord.js';
import { isConnectionError } from './redisConnection.js';

export interface PendingPatchesOptions {
  /** Jobs that may have unwritten progress at once; beyond it update() fails loudly. */
  maxJobs?: number;
  retryMs?: number;
  logger: Logger;
}

/**
 * Progress updates (phase, cost, exit code...) that Redis could not take yet. Patches for one job are
 * merged (later values win), so the buffer is bounded by the number of jobs, not by the number of
 * writes. A failed write is put back and retried on a timer until Redis answers; the terminal status
 * takes a job's leftover patch with take() so the two are written in one step, in order.
 */
export class PendingPatches {
  private readonly patches = new Map<string, JobPatch>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private readonly maxJobs: number;

  constructor(
    private readonly write: (id: string, patch: JobPatch) => Promise<void>,
    private readonly options: PendingPatchesOptions,
  ) {
    this.maxJobs = options.maxJobs ?? 10_000;
  }

  get size(): number {
    return this.patches.size;
  }

  /** Queues the patch and tries to write it; resolves once written or safely buffered. */
  async update(id: string, patch: JobPatch): Promise<void> {
    const current = this.patches.get(id);
    if (!current && this.patches.size >= this.maxJobs) {
      throw new StoreError(
        `Redis has been unreachable while ${this.patches.size} jobs changed; refusing to buffer more updates.`,
      );
    }
    this.patches.set(id, { ...current, ...patch });
    await this.flush();
  }

  /** Removes and returns what is still unwritten for a job (its final write carries it instead). */
  async take(id: string): Promise<JobPatch | undefined> {
    await this.flushing;
    const patch = this.patches.get(id);
    this.patches.delete(id);
    return patch;
  }

  flush(): Promise<void> {
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (const [id, patch] of [...this.patches]) {
      this.patches.delete(id);
      try {
        await this.write(id, patch);
        if (this.failures > 0) this.options.logger.info({ jobId: id }, 'buffered job updates written');
        this.failures = 0;
      } catch (err) {
        if (!isConnectionError(err)) {
          this.options.logger.error({ err, jobId: id, patch }, 'job update refused by Redis; dropped');
          continue;
        }
        this.patches.set(id, { ...patch, ...this.patches.get(id) });
        this.failures++;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn(
            { jobId: id, buffered: this.patches.size },
            'Redis unreachable; job updates buffered until it returns',
          );
        }
        this.schedule();
        return;
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const delay = Math.min(2000, 100 * 2 ** Math.min(this.failures, 5));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** Last attempt to write what is buffered; what still fails is reported, not silently lost. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.patches.size > 0) await this.flush();
    if (this.patches.size > 0) {
      this.options.logger.error(
        { jobs: [...this.patches.keys()] },
        'closing with job updates Redis never took; they are lost',
      );
    }
  }
}
