import type { Logger } from 'pino';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { JobStore } from '../store/types.js';
import { JobChannel } from './JobChannel.js';

export interface JobEventHubOptions {
  pollMs: number;
  logger?: Logger;
  /** Bounds of each channel's in-memory window (see JobChannel). */
  maxEntries?: number;
  maxChars?: number;
}

/**
 * The server's live job events: one JobChannel (one store poller) per job with subscribers, created
 * by the first and dropped with the last. The embedded runner feeds stored output in through
 * `publish`, so local jobs stream without waiting for a poll.
 */
export class JobEventHub {
  private readonly channels = new Map<string, JobChannel>();
  /** Store reads by the pollers (a metric: it grows with jobs watched, not with subscribers). */
  storeReads = 0;

  constructor(
    private readonly store: JobStore,
    private readonly opts: JobEventHubOptions,
  ) {}

  /** Jobs being polled now. */
  get pollers(): number {
    return this.channels.size;
  }

  /** Joins (or opens) the channel of a job; call the returned function when the subscriber leaves. */
  subscribe(jobId: string, after: number): { channel: JobChannel; leave: () => void } {
    let channel = this.channels.get(jobId);
    if (!channel) {
      channel = new JobChannel(this.store, jobId, after, {
        pollMs: this.opts.pollMs,
        ...(this.opts.logger ? { logger: this.opts.logger } : {}),
        ...(this.opts.maxEntries ? { maxEntries: this.opts.maxEntries } : {}),
        ...(this.opts.maxChars ? { maxChars: this.opts.maxChars } : {}),
        onStoreRead: () => this.storeReads++,
      });
      this.channels.set(jobId, channel);
      channel.start();
    }
    channel.subscribers++;
    let left = false;
    const joined = channel;
    return {
      channel,
      leave: () => {
        if (left) return;
        left = true;
        joined.subscribers--;
        if (joined.subscribers === 0 && this.channels.get(jobId) === joined) {
          this.channels.delete(jobId);
          joined.stop();
        }
      },
    };
  }

  /** Output the embedded runner stored (a StoredListener). */
  readonly publish = (entries: readonly OutputEntry[], jobId: string): void => {
    this.channels.get(jobId)?.push(entries);
  };

  /** The job's status changed in this process (an embedded runner finished it): read it now. */
  readonly refresh = (jobId: string): void => {
    this.channels.get(jobId)?.refresh();
  };

  close(): void {
    for (const channel of this.channels.values()) channel.stop();
    this.channels.clear();
  }
}
