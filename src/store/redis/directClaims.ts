import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import type { JobSpec } from '../../jobs/JobSpec.js';
import { parseJobSpecJson } from '../../jobs/parseJobSpec.js';
import type { Lease } from '../types.js';
import type { RedisContext } from './RedisContext.js';
import { RedisLease } from './RedisLease.js';
import { hashToJob, pairsToHash } from './redisJobHash.js';
import { CONSUMER_GROUP } from './redisKeys.js';
import { CLAIM_DIRECT, FORGET_CONSUMER, REAP } from './redisScripts.js';

/** Consumers idle this long with nothing pending are removed from the group (restarted workers). */
const FORGET_CONSUMERS_AFTER_MS = 3_600_000;

/**
 * drover run: starts the job it just enqueued here, rather than by whichever worker reads its entry.
 * The lease has no stream entry; if this process dies, reapLapsedJobs re-queues the job.
 */
export async function claimDirect(
  ctx: RedisContext,
  runnerId: string,
  jobId: string,
  leaseMs: number,
): Promise<Lease | undefined> {
  const { client, keys } = ctx;
  const token = randomUUID();
  const reply = await CLAIM_DIRECT.run(
    client,
    [keys.job(jobId), keys.stream],
    [keys.prefix, jobId, runnerId, leaseMs, new Date().toISOString(), token],
  );
  if (!reply) return undefined;
  const hash = pairsToHash(reply);
  let spec: JobSpec | undefined;
  let problem: InvalidInputError | undefined;
  try {
    spec = parseJobSpecJson(hash.payload ?? '', ctx.resolveSpec);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    problem = err;
  }
  const lease = new RedisLease(ctx, hashToJob(jobId, hash, spec), '', token, runnerId, leaseMs);
  if (!problem) return lease;
  await lease.finish({ status: 'failed', errorKind: 'invalid_input', errorMessage: problem.message });
  return undefined;
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
