import { randomUUID } from 'node:crypto';
import type { JobSpec } from '../../jobs/JobSpec.js';
import type { Lease } from '../types.js';
import type { RedisContext } from './RedisContext.js';
import { RedisLease } from './RedisLease.js';
import { hashToJob, pairsToHash } from './redisJobHash.js';
import { CONSUMER_GROUP } from './redisKeys.js';
import { ENQUEUE_CLAIMED, FORGET_CONSUMER, REAP } from './redisScripts.js';

/** Consumers idle this long with nothing pending are removed from the group (restarted workers). */
const FORGET_CONSUMERS_AFTER_MS = 3_600_000;

/**
 * drover run: creates the job already claimed by this runner (ENQUEUE_CLAIMED), so no worker can take
 * it. The lease has no stream entry; if this process dies, reapLapsedJobs re-queues the job.
 */
export async function enqueueClaimed(
  ctx: RedisContext,
  id: string,
  spec: JobSpec,
  fields: string[],
  opts: { runnerId: string; leaseMs: number },
): Promise<Lease> {
  const { client, keys } = ctx;
  const token = randomUUID();
  const reply = await ENQUEUE_CLAIMED.run(
    client,
    [keys.job(id)],
    [
      keys.prefix,
      id,
      JSON.stringify(spec),
      new Date().toISOString(),
      opts.runnerId,
      opts.leaseMs,
      token,
      ...fields,
    ],
  );
  const job = hashToJob(id, pairsToHash(reply), spec);
  return new RedisLease(ctx, job, '', token, opts.runnerId, opts.leaseMs);
}

/**
 * Re-queues (or abandons) running jobs whose lease lapsed and whose entry is pending nowhere (see REAP),
 * looking at up to 200 running jobs; and drops long-idle consumers that hold nothing.
 */
export async function reapLapsedJobs(ctx: RedisContext, runnerId: string): Promise<void> {
  const { client, keys } = ctx;
  const running = await client.zrange(keys.status('running'), '0', '199');
  for (const jobId of running) {
    const result = await REAP.run(
      client,
      [keys.job(jobId), keys.stream, keys.output(jobId)],
      [
        keys.prefix,
        jobId,
        CONSUMER_GROUP,
        ctx.maxAttempts,
        ctx.claimIdleMs,
        new Date().toISOString(),
        ctx.outputMaxLen,
      ],
    );
    if (result === 1) ctx.logger.warn({ jobId, runnerId }, 'job with a lapsed lease re-queued');
    if (result === 2) ctx.logger.warn({ jobId, runnerId }, 'job abandoned after too many attempts');
  }
  await FORGET_CONSUMER.run(client, [keys.stream], [CONSUMER_GROUP, '', String(FORGET_CONSUMERS_AFTER_MS)]);
}
