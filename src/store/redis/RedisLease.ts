import { StoreError } from '../../errors.js';
import type { JobOutcome, JobRecord } from '../../jobs/JobRecord.js';
import { isTerminal } from '../../jobs/JobStatus.js';
import type { HeartbeatResult, Lease } from '../types.js';
import type { RedisContext } from './RedisContext.js';
import { isConnectionError } from './redisConnection.js';
import { patchPairs } from './redisJobHash.js';
import { CONSUMER_GROUP } from './redisKeys.js';
import { FINISH, HEARTBEAT, RELEASE } from './redisScripts.js';
import { retryWhileDisconnected } from './retryWhileDisconnected.js';

/**
 * A job this runner started from stream entry `entryId` ('' for drover run's direct claims). `token`
 * identifies this attempt: the hash's leaseToken must still equal it for a heartbeat, finish or release
 * to count, so a runner whose job was taken over can never write over the new owner.
 */
export class RedisLease implements Lease {
  private beating: Promise<HeartbeatResult> | undefined;

  constructor(
    private readonly ctx: RedisContext,
    readonly job: JobRecord,
    private readonly entryId: string,
    private readonly token: string,
    private readonly runnerId: string,
    private readonly leaseMs: number,
  ) {
    ctx.leaseTokens.set(job.id, token);
  }

  /** Output writes stop being fenced by this attempt's token (it wrote its terminal status or let go). */
  private forget(): void {
    if (this.ctx.leaseTokens.get(this.job.id) === this.token) this.ctx.leaseTokens.delete(this.job.id);
  }

  private get hash(): string {
    return this.ctx.keys.job(this.job.id);
  }

  heartbeat(): Promise<HeartbeatResult> {
    // One at a time: while Redis is away, beats must not pile up in the client's offline queue.
    this.beating ??= this.beat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async beat(): Promise<HeartbeatResult> {
    try {
      const reply = (await HEARTBEAT.run(
        this.ctx.client,
        [this.hash, this.ctx.keys.stream],
        [
          this.ctx.keys.prefix,
          this.job.id,
          CONSUMER_GROUP,
          this.runnerId,
          this.token,
          this.leaseMs,
          this.entryId,
        ],
      )) as [number, number];
      const lost = reply[0] !== 1;
      if (lost) {
        this.ctx.active.delete(this.entryId);
        // The token keeps fencing this attempt's late output; forgotten once the runner has surely stopped.
        setTimeout(() => this.forget(), 3_600_000).unref();
      }
      return { lost, cancelRequested: reply[1] === 1 };
    } catch (err) {
      // The job keeps running while Redis is unreachable; the connection's own log reports the outage.
      if (isConnectionError(err)) return { lost: false, cancelRequested: false };
      throw err;
    }
  }

  async finish(outcome: JobOutcome): Promise<boolean> {
    if (!isTerminal(outcome.status)) throw new StoreError(`${outcome.status} is not terminal`);
    const leftover = await this.ctx.patches.take(this.job.id);
    const now = new Date();
    const startedMs = this.job.startedAt ? Date.parse(this.job.startedAt) : now.getTime();
    const { status, ...fields } = outcome;
    const pairs = patchPairs({
      ...leftover,
      ...fields,
      phase: undefined,
      // A success after a failed attempt must not keep that attempt's error.
      errorKind: fields.errorKind ?? null,
      errorMessage: fields.errorMessage ?? null,
      durationMs: Math.max(0, now.getTime() - startedMs),
    });
    const written = await retryWhileDisconnected(
      `job ${this.job.id}: final status`,
      () =>
        FINISH.run(
          this.ctx.client,
          [this.hash, this.ctx.keys.stream],
          [
            this.ctx.keys.prefix,
            this.job.id,
            CONSUMER_GROUP,
            this.token,
            this.entryId,
            status,
            now.toISOString(),
            ...pairs,
          ],
        ),
      {
        logger: this.ctx.logger.child({ jobId: this.job.id, runnerId: this.runnerId }),
        maxMs: this.ctx.writeRetryMs,
      },
    );
    this.ctx.active.delete(this.entryId);
    this.forget();
    return written === 1;
  }

  async release(reason: string): Promise<void> {
    await this.ctx.patches.take(this.job.id);
    await retryWhileDisconnected(
      `job ${this.job.id}: release`,
      () =>
        RELEASE.run(
          this.ctx.client,
          [this.hash, this.ctx.keys.stream],
          [this.ctx.keys.prefix, this.job.id, CONSUMER_GROUP, this.token, this.entryId, reason],
        ),
      {
        logger: this.ctx.logger.child({ jobId: this.job.id, runnerId: this.runnerId }),
        maxMs: this.ctx.writeRetryMs,
      },
    );
    this.ctx.active.delete(this.entryId);
    this.forget();
  }
}
