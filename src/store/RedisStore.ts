import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, StoreError, StoreUnavailableError } from '../errors.js';
import { defaultBranch, JOB_ID_PATTERN, newJobId } from '../jobs/ids.js';
import type { JobPatch, JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { JOB_STATUSES, type JobStatus } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.js';
import { filterNeedsScan, jobMatchesFilter } from './jobSearch.js';
import { enqueueClaimed } from './redis/directClaims.js';
import { PendingPatches } from './redis/PendingPatches.js';
import { RedisClaimer } from './redis/RedisClaimer.js';
import type { RedisContext } from './redis/RedisContext.js';
import {
  createRedisClient,
  isConnectionError,
  lastConnectionError,
  maskRedisUrl,
} from './redis/redisConnection.js';
import { hashToJob, patchPairs, RedisJobHash } from './redis/redisJobHash.js';
import { CONSUMER_GROUP, RedisKeys } from './redis/redisKeys.js';
import { appendOutputEntries, parseOutputEntries, seqOfId } from './redis/redisOutput.js';
import { parseRunnerHash, runnerHash } from './redis/redisRunners.js';
import { CANCEL, ENQUEUE, FORGET_CONSUMER, UPDATE } from './redis/redisScripts.js';
import { retryWhileDisconnected } from './redis/retryWhileDisconnected.js';
import type {
  ClaimOptions,
  EnqueueClaimedOptions,
  EnqueueOptions,
  JobPage,
  JobStore,
  Lease,
  ListFilter,
  RunnerInfo,
} from './types.js';

export interface RedisStoreOptions {
  url: string;
  /** Prepended verbatim to every key (include the separator: `drover:`). */
  prefix?: string;
  /** Deliveries of one job above which it is failed/abandoned (default 3). */
  maxAttempts?: number;
  /** Pending this long without a heartbeat → another worker takes the entry over (default 60 s). */
  claimIdleMs?: number;
  /** MAXLEN of each job's output stream (default 100 000 entries). */
  outputMaxLen?: number;
  /** How long a final status or release is retried while Redis is unreachable (default 10 min). */
  writeRetryMs?: number;
  logger?: Logger;
  /** Parses producers' payloads (default: the plain job spec, no repo defaults). */
  resolveSpec?: SpecResolver;
}

/** The job hash's denormalised spec fields (field/value pairs; '' leaves a field out). */
function hashFields(id: string, spec: JobSpec, opts: EnqueueOptions): string[] {
  return [
    'repo',
    spec.repo,
    'baseRef',
    spec.baseRef ?? '',
    'branch',
    spec.branch ?? defaultBranch(id),
    ...(opts.source ? ['source', JSON.stringify(opts.source)] : []),
    'agent',
    spec.agent,
  ];
}

/**
 * The Redis Streams backend: many workers on many machines share one Redis. Jobs are hashes
 * `job:{id}`; work is stream `jobs:stream` read through consumer group `jobs:stream:runners`; output is
 * stream `job:{id}:output`. Every status change is a Lua script, so a job ends exactly once.
 */
export class RedisStore implements JobStore {
  readonly kind = 'redis' as const;
  readonly keys: RedisKeys;
  private readonly client: Redis;
  private readonly ctx: RedisContext;
  private readonly claimer: RedisClaimer;
  private readonly url: string;
  private closed = false;
  private readonly fencedLogged = new Set<string>();

  private constructor(opts: RedisStoreOptions) {
    const logger = (opts.logger ?? createLogger()).child({ component: 'redis' });
    this.url = maskRedisUrl(opts.url);
    this.keys = new RedisKeys(opts.prefix ?? '');
    this.client = createRedisClient(opts.url, { logger, name: 'drover', reportConnection: true });
    const ctx: RedisContext = {
      client: this.client,
      keys: this.keys,
      logger,
      maxAttempts: opts.maxAttempts ?? 3,
      claimIdleMs: opts.claimIdleMs ?? 60_000,
      outputMaxLen: opts.outputMaxLen ?? 100_000,
      writeRetryMs: opts.writeRetryMs ?? 600_000,
      patches: new PendingPatches((id, patch) => this.writePatch(id, patch), { logger }),
      active: new Set(),
      leaseTokens: new Map(),
      resolveSpec: opts.resolveSpec ?? parseJobSpec,
    };
    this.ctx = ctx;
    this.claimer = new RedisClaimer(ctx, () =>
      createRedisClient(opts.url, { logger, name: 'drover-reader' }),
    );
  }

  /** Connects and checks Redis answers, so a wrong URL fails at once with a clear message. */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    try {
      await store.client.ping();
    } catch (err) {
      const reason = lastConnectionError.get(store.client) ?? (err as Error);
      await store.close();
      throw new StoreUnavailableError(`Cannot reach Redis at ${store.url}: ${reason.message}`, {
        cause: err,
      });
    }
    return store;
  }

  /** Reads for commands: an outage becomes a StoreError naming the (masked) URL. */
  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      throw new StoreUnavailableError(`Redis at ${this.url} is unreachable: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async enqueue(spec: JobSpec, opts: EnqueueOptions = {}): Promise<JobRecord> {
    const id = this.newId(opts);
    try {
      await this.read(() =>
        ENQUEUE.run(
          this.client,
          [this.keys.job(id), this.keys.stream],
          [
            this.keys.prefix,
            id,
            JSON.stringify(spec),
            new Date().toISOString(),
            ...hashFields(id, spec, opts),
          ],
        ),
      );
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (err instanceof Error && err.message.startsWith('EXISTS')) {
        throw new ConflictError(
          'E_JOB_EXISTS',
          `Cannot enqueue job ${id}: a job with this id already exists.`,
        );
      }
      throw new StoreError(`Cannot enqueue job ${id}: ${(err as Error).message}`, { cause: err });
    }
    const job = await this.get(id);
    if (!job) throw new StoreError(`Job ${id} vanished from Redis`);
    return job;
  }

  async enqueueClaimed(spec: JobSpec, opts: EnqueueClaimedOptions): Promise<Lease> {
    const id = this.newId(opts);
    try {
      return await this.read(() => enqueueClaimed(this.ctx, id, spec, hashFields(id, spec, opts), opts));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`Cannot enqueue job ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  private newId(opts: EnqueueOptions): string {
    const id = opts.id ?? newJobId();
    if (!JOB_ID_PATTERN.test(id)) {
      throw new InvalidInputError('id: is not a job id', [{ path: 'id', message: 'is not a job id' }]);
    }
    return id;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = RedisJobHash.parse(await this.read(() => this.client.hgetall(this.keys.job(id))));
    return Object.keys(hash).length === 0 ? undefined : hashToJob(id, hash);
  }

  private async getMany(ids: string[]): Promise<(JobRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = (await this.read(() => pipeline.exec())) ?? [];
    return ids.map((id, i) => {
      const [err, value] = replies[i] ?? [null, {}];
      const hash = RedisJobHash.safeParse(value);
      if (err || !hash.success || Object.keys(hash.data).length === 0) return undefined;
      return hashToJob(id, hash.data);
    });
  }

  /**
   * Newest first by id, from `jobs:index` or `jobs:status:{status}`; repo and text filters scan
   * (bounded: a page that found too few says where to continue in nextCursor).
   */
  async list(filter: ListFilter = {}): Promise<JobPage> {
    const limit = pageLimit(filter.limit);
    const key = filter.status ? this.keys.status(filter.status) : this.keys.index;
    let after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const jobs: JobRecord[] = [];
    const scan = filterNeedsScan(filter);
    for (let round = 0; round < 20; round++) {
      const want = scan ? 200 : limit + 1 - jobs.length;
      const ids = await this.read(() =>
        this.client.zrevrangebylex(key, after ? `(${after}` : '+', '-', 'LIMIT', 0, want),
      );
      const records = await this.getMany(ids);
      for (const [i, id] of ids.entries()) {
        const job = records[i];
        if (job && (!scan || jobMatchesFilter(job, filter))) {
          if (jobs.length === limit) return { jobs, nextCursor: encodeCursor(jobs[jobs.length - 1]!.id) };
          jobs.push(job);
        }
        after = id;
      }
      if (ids.length < want) return { jobs, nextCursor: null };
    }
    // Scanned enough for one page: the caller continues from the last id looked at.
    return { jobs, nextCursor: after ? encodeCursor(after) : null };
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const pipeline = this.client.pipeline();
    for (const status of JOB_STATUSES) pipeline.zcard(this.keys.status(status));
    const replies = (await this.read(() => pipeline.exec())) ?? [];
    return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<
      JobStatus,
      number
    >;
  }

  claim(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined> {
    return this.claimer.claim(runnerId, opts);
  }

  /** Never throws on an outage: the patch is buffered and written when Redis returns. */
  update(id: string, patch: JobPatch): Promise<void> {
    return this.ctx.patches.update(id, patch);
  }

  private async writePatch(id: string, patch: JobPatch): Promise<void> {
    const pairs = patchPairs(patch);
    if (pairs.length === 0) return;
    await UPDATE.run(this.client, [this.keys.job(id)], [this.keys.prefix, id, ...pairs]);
  }

  /**
   * Idempotent per seq, one script call per batch; throws on an outage (JobOutput retries the batch).
   * Fenced by the attempt's lease token.
   */
  async appendOutput(id: string, entries: OutputEntry[]): Promise<void> {
    const written = await appendOutputEntries(
      this.client,
      { output: this.keys.output(id), job: this.keys.job(id) },
      this.ctx.outputMaxLen,
      this.ctx.leaseTokens.get(id) ?? '',
      entries,
    );
    if (written === 'fenced' && !this.fencedLogged.has(id)) {
      // This attempt lost the job to another runner: its remaining output is not the job's any more.
      this.fencedLogged.add(id);
      this.ctx.logger.warn({ jobId: id }, 'output of an attempt that lost its lease was dropped');
    }
  }

  async readOutput(id: string, afterSeq: number, limit: number): Promise<OutputEntry[]> {
    const reply = await this.read(() =>
      this.client.xrange(
        this.keys.output(id),
        `${Math.max(0, Math.floor(afterSeq)) + 1}-0`,
        '+',
        'COUNT',
        limit,
      ),
    );
    return parseOutputEntries(reply);
  }

  async lastSeq(id: string): Promise<number> {
    const last = await retryWhileDisconnected(
      `job ${id}: read output position`,
      () => this.client.xrevrange(this.keys.output(id), '+', '-', 'COUNT', 1),
      { logger: this.ctx.logger.child({ jobId: id }), maxMs: this.ctx.writeRetryMs },
    );
    return last[0] ? seqOfId(last[0][0]) : 0;
  }

  async requestCancel(id: string): Promise<JobRecord | undefined> {
    const known = await this.read(() =>
      CANCEL.run(this.client, [this.keys.job(id)], [this.keys.prefix, id, new Date().toISOString()]),
    );
    return known === 1 ? this.get(id) : undefined;
  }

  async registerRunner(info: RunnerInfo, ttlMs: number): Promise<void> {
    const key = this.keys.runner(info.id);
    await this.client
      .multi()
      .del(key)
      .hset(key, runnerHash(info))
      .pexpire(key, ttlMs)
      .zadd(this.keys.runners, Date.now() + ttlMs, info.id)
      .exec();
  }

  async unregisterRunner(id: string): Promise<void> {
    await this.client.multi().del(this.keys.runner(id)).zrem(this.keys.runners, id).exec();
    // A stopped worker leaves the consumer group unless it still holds entries others must reclaim.
    await FORGET_CONSUMER.run(this.client, [this.keys.stream], [CONSUMER_GROUP, id, '0']).catch(
      () => undefined,
    );
  }

  async listRunners(): Promise<RunnerInfo[]> {
    // Scores are expiry times by each runner's clock: prune generously, the key's TTL decides liveness.
    await this.read(() => this.client.zremrangebyscore(this.keys.runners, '-inf', Date.now() - 60_000));
    const ids = await this.read(() => this.client.zrange(this.keys.runners, '0', '999'));
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.runner(id));
    const replies = (await this.read(() => pipeline.exec())) ?? [];
    return replies
      .map(([, value]) => parseRunnerHash(value))
      .filter((r): r is RunnerInfo => r !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** `user:{userId}:git_token`: an encrypted token (see secrets/tokenVault.ts). */
  async setUserGitToken(userId: string, sealed: string): Promise<void> {
    await this.read(() => this.client.set(this.keys.userGitToken(userId), sealed));
  }

  async deleteUserGitToken(userId: string): Promise<boolean> {
    return (await this.read(() => this.client.del(this.keys.userGitToken(userId)))) === 1;
  }

  async getUserGitToken(userId: string): Promise<string | null> {
    return retryWhileDisconnected(
      `user ${userId}: read git token`,
      () => this.client.get(this.keys.userGitToken(userId)),
      { logger: this.ctx.logger, maxMs: 60_000 },
    );
  }

  /** `user:{userId}:model_key:{provider}`: encrypted model API keys the model gateway uses for the user's jobs. */
  async setUserModelKey(userId: string, provider: string, sealed: string): Promise<void> {
    await this.read(() => this.client.set(this.keys.userModelKey(userId, provider), sealed));
  }

  async deleteUserModelKey(userId: string, provider: string): Promise<boolean> {
    return (await this.read(() => this.client.del(this.keys.userModelKey(userId, provider)))) === 1;
  }

  /** The sealed keys stored for these providers (null where none is). */
  async getUserModelKeys(userId: string, providers: readonly string[]): Promise<(string | null)[]> {
    return retryWhileDisconnected(
      `user ${userId}: read model keys`,
      () => this.client.mget(providers.map((p) => this.keys.userModelKey(userId, p))),
      { logger: this.ctx.logger, maxMs: 60_000 },
    );
  }

  async ping(): Promise<void> {
    await this.read(() => this.client.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ctx.patches.close();
    this.claimer.close();
    await Promise.race([
      this.client.quit().catch(() => undefined),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    this.client.disconnect();
  }
}
